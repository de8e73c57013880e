import { describe, expect, it } from "vitest";
import { displayIpAddress } from "@/lib/shared/ip-address";

describe("displayIpAddress", () => {
  it.each([
    // How better-auth stores them: every group written out.
    ["0000:0000:0000:0000:0000:0000:0000:0001", "::1"],
    ["0000:0000:0000:0000:0000:0000:0000:0000", "::"],
    ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
    ["2001:0DB8:0000:0000:0000:0000:0000:0000", "2001:db8::"],
    ["fe80:0000:0000:0000:0204:61ff:fe9d:f156", "fe80::204:61ff:fe9d:f156"],
    // Already short, or written some other valid way.
    ["::1", "::1"],
    ["2001:DB8::1", "2001:db8::1"],
    // The longest run of zeros is the one shortened; the first of equal runs.
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    // A single zero group stays a 0.
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"],
    // IPv4, plain or carried in IPv6.
    ["127.0.0.1", "127.0.0.1"],
    ["::ffff:192.0.2.1", "192.0.2.1"],
    ["0000:0000:0000:0000:0000:ffff:c000:0201", "192.0.2.1"],
    // Not an address: unchanged.
    ["unknown", "unknown"],
    ["1:2:3", "1:2:3"],
    ["1::2::3", "1::2::3"],
    ["1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8:9"],
    ["::ffff:300.1.1.1", "::ffff:300.1.1.1"],
    ["12345::1", "12345::1"],
  ])("%s → %s", (stored, shown) => {
    expect(displayIpAddress(stored)).toBe(shown);
  });
});
