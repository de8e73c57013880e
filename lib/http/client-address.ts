import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { BlockList, isIP, Server } from "node:net";
import { listFromEnv, type Env } from "../config/env";

/**
 * The client's address, as this app decided it, on every request that reaches a route handler.
 * better-auth reads it from here (`advanced.ipAddress.ipAddressHeaders`) for its per-address
 * limits and the session's recorded address.
 */
export const CLIENT_ADDRESS_HEADER = "x-threadkeeper-client-address";
/** Proves the address header was written by this process, not sent by a client (see `verifiedClientAddress`). */
const STAMP_HEADER = "x-threadkeeper-client-stamp";

// Always trusted once any proxy is: a proxy on the same host (nginx, Caddy) connects from loopback.
const loopback = ["127.0.0.0/8", "::1/128"];

export type TrustedProxies = { list: BlockList; configured: boolean };

/** `TRUSTED_PROXIES`: comma-separated addresses or CIDR ranges. A bad entry stops the app with a clear message. */
export function parseTrustedProxies(env: Env = process.env): TrustedProxies {
  const entries = listFromEnv(env, "TRUSTED_PROXIES");
  const list = new BlockList();
  for (const entry of entries.length > 0 ? [...entries, ...loopback] : []) {
    const [address, prefix, ...rest] = entry.split("/");
    const family = isIP(address ?? "");
    const maxBits = family === 6 ? 128 : 32;
    const bits = prefix === undefined ? maxBits : /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
    if (!family || rest.length > 0 || !(bits <= maxBits)) {
      throw new Error(
        `TRUSTED_PROXIES: "${entry}" is not an IP address or CIDR range (e.g. 10.0.0.0/8, 192.168.1.10, fd00::/8).`,
      );
    }
    list.addSubnet(address!, bits, family === 6 ? "ipv6" : "ipv4");
  }
  return { list, configured: entries.length > 0 };
}

/** `::ffff:1.2.3.4` (how a dual-stack socket reports IPv4 peers) → `1.2.3.4`; null for anything that is not an address. */
function normalizeAddress(value: string): string | null {
  const trimmed = value.trim();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed)?.[1];
  const address = mapped ?? trimmed;
  return isIP(address) ? address.toLowerCase() : null;
}

const isTrusted = (address: string, proxies: TrustedProxies) =>
  proxies.list.check(address, isIP(address) === 6 ? "ipv6" : "ipv4");

/**
 * The client is the right-most hop that is not a trusted proxy, starting from the TCP peer (which
 * nobody can forge) and walking `X-Forwarded-For` leftwards only while each hop is trusted: a
 * trusted proxy vouches for the entry it appended, nothing vouches for the ones before it.
 * With no trusted proxies the TCP peer is the client, whatever the headers say. An entry that is
 * not an address stops the walk at the last hop known to be real.
 */
export function resolveClientAddress(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
  proxies: TrustedProxies,
): string | null {
  let client = peer ? normalizeAddress(peer) : null;
  if (!client || !proxies.configured) return client;
  const chain = [forwardedFor ?? []]
    .flat()
    .join(",")
    .split(",")
    .filter((s) => s.trim() !== "");
  while (isTrusted(client, proxies)) {
    const next = chain.pop();
    const hop = next === undefined ? null : normalizeAddress(next);
    if (!hop) return client;
    client = hop;
  }
  return client;
}

type StampGlobal = { threadkeeperClientStamp?: string };
const processStamp = () =>
  ((globalThis as StampGlobal).threadkeeperClientStamp ??= randomBytes(18).toString("base64url"));

/**
 * Next.js hands route handlers a Request without the socket, and fills `X-Forwarded-For` with the
 * peer address only when the client did not send one, so a route cannot tell a forged header from
 * a real one. This runs first for every HTTP request the process receives (installed from
 * `instrumentation.ts`), while the socket is still at hand, and writes the decided address into
 * a header of its own, replacing any a client sent.
 */
export function installClientAddressStamp(env: Env = process.env): void {
  const state = globalThis as { threadkeeperStampInstalled?: boolean };
  if (state.threadkeeperStampInstalled) return;
  state.threadkeeperStampInstalled = true;
  const proxies = parseTrustedProxies(env);
  const stamp = processStamp();
  let warned = false;
  // Every HTTP and HTTPS server is a net.Server; only "request" events are touched.
  const emit = Server.prototype.emit as (this: Server, event: string | symbol, ...args: unknown[]) => boolean;
  Server.prototype.emit = function (this: Server, event: string | symbol, ...args: unknown[]) {
    if (event === "request") {
      const request = args[0] as IncomingMessage;
      const forwarded = request.headers["x-forwarded-for"];
      const address = resolveClientAddress(request.socket?.remoteAddress, forwarded, proxies);
      if (address) request.headers[CLIENT_ADDRESS_HEADER] = address;
      else delete request.headers[CLIENT_ADDRESS_HEADER];
      request.headers[STAMP_HEADER] = stamp;
      if (forwarded && !proxies.configured && !warned) {
        warned = true;
        console.warn(
          `[client-address] X-Forwarded-For arrived from ${address}, but TRUSTED_PROXIES is not set, so it is ignored and every client behind that proxy shares its address. Set TRUSTED_PROXIES to the proxy's address.`,
        );
      }
    }
    return emit.call(this, event, ...args);
  } as typeof Server.prototype.emit;
}

/**
 * The request's headers with the client address kept only if this process stamped it; a header a
 * client sent itself (possible only if the stamp was not installed when the request arrived) is
 * removed, and so is the stamp, so nothing downstream ever sees it.
 */
export function verifiedHeaders(headers: Headers): Headers {
  const out = new Headers(headers);
  if (out.get(STAMP_HEADER) !== processStamp()) out.delete(CLIENT_ADDRESS_HEADER);
  out.delete(STAMP_HEADER);
  return out;
}

/** The verified client address of a request that went through `verifiedHeaders`. */
export const clientAddressOf = (headers: Headers): string | null => headers.get(CLIENT_ADDRESS_HEADER);

/**
 * What a per-address limit counts by: an IPv4 address as is, an IPv6 address by its /64. One
 * home connection or host is handed a whole /64, so counting single IPv6 addresses would give it
 * 2^64 budgets. An IPv4-mapped IPv6 address is its IPv4 address.
 */
export function addressGroupOf(address: string): string {
  if (isIP(address) !== 6) return address;
  const lower = address.toLowerCase().replace(/%.*$/, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return mapped[1]!;
  const [head = "", tail] = lower.split("::");
  const groups = (part: string) => (part ? part.split(":") : []);
  const known = [...groups(head), ...(tail === undefined ? [] : ["::"]), ...groups(tail ?? "")];
  // An embedded IPv4 tail (a:b::1.2.3.4) lies past the first four groups: it does not change the /64.
  const expanded = known.flatMap((g) => (g === "::" ? Array(Math.max(0, 8 - (known.length - 1))).fill("0") : [g]));
  const prefix = expanded.slice(0, 4).map((g) => (parseInt(g, 16) || 0).toString(16));
  return `${prefix.join(":")}::/64`;
}
