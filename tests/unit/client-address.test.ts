import { describe, expect, it } from "vitest";
import {
  addressGroupOf,
  parseTrustedProxies,
  resolveClientAddress,
  verifiedHeaders,
  CLIENT_ADDRESS_HEADER,
} from "@/lib/http/client-address";

const none = parseTrustedProxies({});
const behindProxy = parseTrustedProxies({ TRUSTED_PROXIES: "10.0.0.0/8, 2001:db8::/32" });

describe("the client address", () => {
  it("with no trusted proxies is the TCP peer, whatever X-Forwarded-For says", () => {
    expect(resolveClientAddress("203.0.113.9", undefined, none)).toBe("203.0.113.9");
    expect(resolveClientAddress("203.0.113.9", "8.8.8.8", none)).toBe("203.0.113.9");
    expect(resolveClientAddress("203.0.113.9", "8.8.8.8, 1.1.1.1", none)).toBe("203.0.113.9");
    expect(resolveClientAddress("::ffff:127.0.0.1", "8.8.8.8", none)).toBe("127.0.0.1");
    expect(resolveClientAddress(undefined, "8.8.8.8", none)).toBeNull();
  });

  it("behind trusted proxies is the right-most hop that is not one of them", () => {
    // nginx at 10.0.0.2 appended the address it saw; the left-most entry is the client's own invention.
    expect(resolveClientAddress("10.0.0.2", "6.6.6.6, 198.51.100.7", behindProxy)).toBe("198.51.100.7");
    // Two proxies: a load balancer (10.1.1.1) in front of nginx (10.0.0.2).
    expect(resolveClientAddress("10.0.0.2", "6.6.6.6, 198.51.100.7, 10.1.1.1", behindProxy)).toBe("198.51.100.7");
    // Several X-Forwarded-For headers count as one list.
    expect(resolveClientAddress("10.0.0.2", ["6.6.6.6", "198.51.100.7"], behindProxy)).toBe("198.51.100.7");
    expect(resolveClientAddress("10.0.0.2", "2001:db8::5, 2001:db9::1", behindProxy)).toBe("2001:db9::1");
    // A proxy on the same host connects from loopback and is trusted once any proxy is configured.
    expect(resolveClientAddress("127.0.0.1", "198.51.100.7", behindProxy)).toBe("198.51.100.7");
  });

  it("from a peer that is not a trusted proxy ignores the header, even one naming a trusted proxy", () => {
    expect(resolveClientAddress("198.51.100.7", "6.6.6.6, 10.0.0.2", behindProxy)).toBe("198.51.100.7");
  });

  it("stops at the last real hop when the chain holds something that is not an address", () => {
    expect(resolveClientAddress("10.0.0.2", "198.51.100.7, unknown", behindProxy)).toBe("10.0.0.2");
    expect(resolveClientAddress("10.0.0.2", "", behindProxy)).toBe("10.0.0.2");
    expect(resolveClientAddress("10.0.0.2", undefined, behindProxy)).toBe("10.0.0.2");
    expect(resolveClientAddress("10.0.0.2", "10.0.0.3, <script>", behindProxy)).toBe("10.0.0.2");
  });

  it.each(["10.0.0.0/33", "10.0.0", "example.com", "10.0.0.0/", "10.0.0.0/8/8", "::1/129", "10.0.0.0/-1"])(
    "TRUSTED_PROXIES=%s is refused with a clear message",
    (value) => {
      expect(() => parseTrustedProxies({ TRUSTED_PROXIES: value })).toThrow(
        /TRUSTED_PROXIES: .* is not an IP address or CIDR range/,
      );
    },
  );

  it("a client-sent address header without this process's stamp is dropped", () => {
    const forged = verifiedHeaders(
      new Headers({ [CLIENT_ADDRESS_HEADER]: "8.8.8.8", "x-threadkeeper-client-stamp": "guess" }),
    );
    expect(forged.get(CLIENT_ADDRESS_HEADER)).toBeNull();
    expect(forged.get("x-threadkeeper-client-stamp")).toBeNull();
  });
});

describe("the group a per-address limit counts by", () => {
  it("is an IPv4 address itself, an IPv6 address's /64, and an IPv4-mapped address's IPv4 address", () => {
    expect(addressGroupOf("203.0.113.7")).toBe("203.0.113.7");
    expect(addressGroupOf("2001:db8:1:2::1")).toBe("2001:db8:1:2::/64");
    expect(addressGroupOf("2001:DB8:1:2:ffff:ffff:ffff:ffff")).toBe("2001:db8:1:2::/64");
    expect(addressGroupOf("2001:db8:0001:0002:0:0:0:a")).toBe("2001:db8:1:2::/64");
    expect(addressGroupOf("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(addressGroupOf("::1")).toBe("0:0:0:0::/64");
    expect(addressGroupOf("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(addressGroupOf("::ffff:198.51.100.2")).toBe("198.51.100.2");
    expect(addressGroupOf("2001:db8:1:2:3:4:192.0.2.1")).toBe("2001:db8:1:2::/64");
    expect(addressGroupOf("2001:db8:1:3::1")).not.toBe(addressGroupOf("2001:db8:1:2::1"));
  });
});
