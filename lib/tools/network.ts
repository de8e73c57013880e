import "server-only";
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP, type LookupFunction } from "node:net";
import { Agent, fetch as undiciFetch, type RequestInit as UndiciRequestInit } from "undici";
import { listFromEnv, positiveIntFromEnv, type Env } from "@/lib/config/env";
import { ApiError } from "@/lib/http/errors";

/*
 * Everything the app sends to an MCP server or an OAuth server goes through here. The URL an admin
 * types, and every URL a server's metadata points at, could name an internal service (SSRF): the
 * cloud metadata endpoint, the database, a loopback admin port. So a connection is only made to
 * addresses that were checked to be public, unless the operator listed the host in MCP_ALLOWED_HOSTS.
 */

/** Why a request was not sent or its answer not read; the message is safe to show to an admin. */
export class NetworkRefusal extends Error {
  constructor(
    readonly reason: "url" | "address" | "redirect" | "too_large",
    message: string,
  ) {
    super(message);
    this.name = "NetworkRefusal";
  }
}

const blockedV4 = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8], // "this network", including the unspecified address
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, where cloud metadata lives
  ["172.16.0.0", 12],
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // documentation
  ["192.88.99.0", 24], // 6to4 relay anycast
  ["192.168.0.0", 16],
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // documentation
  ["203.0.113.0", 24], // documentation
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, including broadcast
] as const) {
  blockedV4.addSubnet(network, prefix, "ipv4");
}

// IPv6 is judged the other way round: only global unicast (2000::/3) can be public, minus the
// special blocks inside it. Addresses that embed an IPv4 address are judged by that address.
const globalV6 = new BlockList();
globalV6.addSubnet("2000::", 3, "ipv6");
const blockedV6 = new BlockList();
for (const [network, prefix] of [
  ["2001::", 23], // IETF protocol assignments (Teredo, ORCHID, benchmarking, ...)
  ["2001:db8::", 32], // documentation
  ["2002::", 16], // 6to4: tunnels to an arbitrary IPv4 address
  ["3fff::", 20], // documentation
] as const) {
  blockedV6.addSubnet(network, prefix, "ipv6");
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted quad included), or null. */
function ipv6Groups(address: string): number[] | null {
  let text = address.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number);
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail, extra] = text.split("::");
  if (extra !== undefined) return null;
  const parse = (part: string | undefined) => (part ? part.split(":").map((group) => parseInt(group, 16)) : []);
  const front = parse(head);
  const back = parse(tail);
  const groups = tail === undefined ? front : [...front, ...Array(8 - front.length - back.length).fill(0), ...back];
  return groups.length === 8 && groups.every((group) => Number.isInteger(group) && group >= 0 && group <= 0xffff)
    ? groups
    : null;
}

/** True when an IP address (v4 or v6, brackets allowed) may be reached from here. */
export function isPublicAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, "");
  const family = isIP(bare);
  if (family === 4) return !blockedV4.check(bare, "ipv4");
  if (family !== 6) return false;
  const groups = ipv6Groups(bare);
  if (!groups) return false;
  const embeddedV4 = () => `${groups[6] >> 8}.${groups[6] & 0xff}.${groups[7] >> 8}.${groups[7] & 0xff}`;
  // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) reach the IPv4 address inside.
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) return isPublicAddress(embeddedV4());
  if (groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((group) => group === 0)) {
    return isPublicAddress(embeddedV4());
  }
  const normal = groups.map((group) => group.toString(16)).join(":");
  return globalV6.check(normal, "ipv6") && !blockedV6.check(normal, "ipv6");
}

type AllowedHost = { host: string; port: string | null };

/** MCP_ALLOWED_HOSTS, read on every request so the operator's (or a test's) setting applies at once. */
function allowedHosts(env: Env): AllowedHost[] {
  const hosts: AllowedHost[] = [];
  for (const entry of listFromEnv(env, "MCP_ALLOWED_HOSTS")) {
    const match = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(entry);
    if (!match) continue;
    try {
      // Through the URL parser, so `127.1`, `LOCALHOST` and `[0::1]` compare like the URLs they match.
      hosts.push({ host: new URL(`http://${match[1]}/`).hostname, port: match[2] ? String(Number(match[2])) : null });
    } catch {
      continue;
    }
  }
  return hosts;
}

const defaultPort = (url: URL) => url.port || (url.protocol === "https:" ? "443" : "80");

/** True when the operator listed this URL's host (and, if they named one, its port). */
export function isListedHost(url: URL, env: Env = process.env): boolean {
  return allowedHosts(env).some(
    ({ host, port }) => host === url.hostname && (port === null || port === defaultPort(url)),
  );
}

/** The URL rules, shared by the admin form's check and every request. Throws NetworkRefusal. */
function checkUrl(raw: string | URL, env: Env): URL {
  const text = String(raw);
  if (text.length > 2000) throw new NetworkRefusal("url", "The URL is longer than 2000 characters.");
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new NetworkRefusal("url", "The URL is not valid.");
  }
  const listed = isListedHost(url, env);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && listed)) {
    throw new NetworkRefusal(
      "url",
      url.protocol === "http:"
        ? `The URL must use https: (http: only for hosts listed in MCP_ALLOWED_HOSTS).`
        : "The URL must use https:.",
    );
  }
  if (url.username || url.password)
    throw new NetworkRefusal("url", "The URL must not contain a user name or password.");
  if (url.hash) throw new NetworkRefusal("url", "The URL must not contain a fragment (#).");
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isIP(host) && !listed && !isPublicAddress(host)) {
    throw new NetworkRefusal("url", "The URL points at a private, loopback or reserved address.");
  }
  return url;
}

/** Checks an MCP server URL an admin entered; a refusal is a 400 with the reason. */
export function checkServerUrl(url: string): URL {
  try {
    return checkUrl(url, process.env);
  } catch (error) {
    if (error instanceof NetworkRefusal) throw new ApiError("bad_request", error.message);
    throw error;
  }
}

/**
 * A `lookup` for sockets: resolves every address of the name and refuses unless all are public.
 * The socket then connects to an address handed back here, so the name is never resolved a
 * second time (a DNS answer that changes in between cannot swap in an internal address).
 */
export function publicOnlyLookup(resolve: typeof dnsLookup = dnsLookup): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { all: true, family: options.family ?? 0, hints: options.hints }, (error, addresses) => {
      if (error) return callback(error, "", 0);
      const list = addresses as unknown as LookupAddress[];
      if (list.length === 0 || !list.every(({ address }) => isPublicAddress(address))) {
        const refusal = new NetworkRefusal(
          "address",
          `${hostname} resolves to a private, loopback or reserved address.`,
        );
        return callback(Object.assign(refusal, { code: "EADDRNOTPUBLIC" }), "", 0);
      }
      if (options.all) return (callback as unknown as (e: null, all: LookupAddress[]) => void)(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}

export type GuardedFetchOptions = {
  /** Name resolution for hosts that are not listed; tests swap in their own answers. */
  lookup?: typeof dnsLookup;
  /** Overrides MCP_MAX_RESPONSE_BYTES (read per request otherwise). */
  maxResponseBytes?: number;
  env?: Env;
};

/** Reads a body through a counter; past the cap it stops reading, drops the connection and errors. */
function cappedBody(body: ReadableStream<Uint8Array>, maxBytes: number): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let seen = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        seen += value.byteLength;
        if (seen > maxBytes) {
          await reader.cancel().catch(() => undefined);
          controller.error(new NetworkRefusal("too_large", "the server's answer is too large"));
          return;
        }
        controller.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    },
    // Pull only when the consumer asks: nothing is read ahead of it.
    { highWaterMark: 0 },
  );
}

/** A `fetch` for MCP and OAuth servers: checked URLs, checked addresses, no redirects, bounded answers. */
export function createGuardedFetch(options: GuardedFetchOptions = {}): typeof fetch {
  // Two pools: listed hosts may reach private addresses; everything else goes through the check.
  const checked = new Agent({ connect: { lookup: publicOnlyLookup(options.lookup) } });
  const listed = new Agent();

  const guarded = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const env = options.env ?? process.env;
    const request = typeof input === "string" || input instanceof URL ? null : input;
    const url = checkUrl(request ? request.url : input.toString(), env);
    const maxBytes = options.maxResponseBytes ?? positiveIntFromEnv(env, "MCP_MAX_RESPONSE_BYTES", 4_194_304);
    const requestInit = {
      ...(request && { method: request.method, headers: request.headers, body: request.body, signal: request.signal }),
      ...init,
      redirect: "manual",
      dispatcher: isListedHost(url, env) ? listed : checked,
      ...(request?.body && { duplex: "half" }),
    } as UndiciRequestInit;
    const response = await undiciFetch(url, requestInit);

    if (response.status >= 300 && response.status < 400 && response.status !== 304) {
      await response.body?.cancel().catch(() => undefined);
      throw new NetworkRefusal(
        "redirect",
        `The server answered with a redirect (HTTP ${response.status}); redirects are refused.`,
      );
    }
    const declared = Number(response.headers.get("content-length"));
    if (Number.isFinite(declared) && declared > maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw new NetworkRefusal("too_large", "the server's answer is too large");
    }
    const body = response.body ? cappedBody(response.body as ReadableStream<Uint8Array>, maxBytes) : null;
    const wrapped = new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers as unknown as Headers,
    });
    Object.defineProperty(wrapped, "url", { value: response.url });
    return wrapped;
  };
  return guarded as typeof fetch;
}

export const guardedFetch: typeof fetch = createGuardedFetch();

/** Finds a NetworkRefusal anywhere in an error's cause chain (fetch and MCP clients wrap errors). */
export function findRefusal(error: unknown): NetworkRefusal | null {
  for (let e = error, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof NetworkRefusal) return e;
  }
  return null;
}
