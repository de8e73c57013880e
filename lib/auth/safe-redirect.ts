// Never a real host: the parser resolves against it, and anything that leaves it is refused.
const OWN_ORIGIN = "http://threadkeeper.invalid";

// Longer than any path the app makes; a huge value is not worth parsing.
const MAX_LENGTH = 2048;

// C0 controls, DEL and C1 controls: browsers drop tab, CR and LF from a URL (so `/\t/host` becomes
// `//host`), and a raw control in a Location header makes the response fail.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Decoded as a browser or a router might, a few times over (`%252F`); a malformed escape stops it there. */
function fullyDecoded(value: string): string {
  let current = value;
  for (let i = 0; i < 3; i++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return current;
    }
    if (next === current) break;
    current = next;
  }
  return current;
}

/**
 * The one gate for redirect targets (`callbackURL` and the like): a path on this app, or "/".
 * Parsed by the URL parser against this origin, never pattern-matched alone: a target is kept only
 * when its raw and decoded forms hold no control character or backslash, its path neither starts
 * with `//` nor hides a slash as `%2F` / `%5C`, and it resolves to this same origin. What is
 * returned is the parser's own serialization (non-ASCII percent-encoded), so it is safe to put in a
 * Location header as is.
 */
export function safeCallbackPath(value: string | null | undefined): string {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_LENGTH) return "/";
  for (const form of [value, fullyDecoded(value)]) {
    if (CONTROL.test(form) || form.includes("\\")) return "/";
    if (!form.startsWith("/") || form.startsWith("//")) return "/";
  }
  const pathEnd = value.search(/[?#]/);
  if (/%2f|%5c/i.test(pathEnd === -1 ? value : value.slice(0, pathEnd))) return "/";
  let url: URL;
  try {
    url = new URL(value, OWN_ORIGIN);
  } catch {
    return "/";
  }
  if (url.origin !== OWN_ORIGIN) return "/";
  const path = `${url.pathname}${url.search}${url.hash}`;
  // Dot segments can leave `//` behind once resolved (`/.//host`).
  if (!path.startsWith("/") || path.startsWith("//")) return "/";
  return path;
}

/** The sign-in page that returns to `path` afterwards; slashes stay readable (/sign-in?callbackURL=/chat/…). */
export function signInPathFor(path: string): string {
  const target = safeCallbackPath(path);
  return target === "/" ? "/sign-in" : `/sign-in?callbackURL=${encodeURIComponent(target).replace(/%2F/gi, "/")}`;
}

// Where better-auth's endpoints take a redirect target, in a body or a query.
const redirectFields = ["callbackURL", "errorCallbackURL", "newUserCallbackURL", "redirectTo"] as const;

/**
 * The first redirect target in a better-auth request that this helper would not keep as it is,
 * or null. better-auth checks these against its trusted origins, but accepts forms such as
 * `/%09/example.com`; the app's own pages only ever send what safeCallbackPath returns.
 */
export function unsafeRedirectField(...sources: unknown[]): string | null {
  for (const source of sources) {
    if (!source || typeof source !== "object") continue;
    for (const field of redirectFields) {
      const value = (source as Record<string, unknown>)[field];
      if (value === undefined || value === null) continue;
      if (typeof value !== "string" || safeCallbackPath(value) !== value) return field;
    }
  }
  return null;
}
