type StoredCookies = { cookies: { name: string; value: string }[] };

/**
 * The Cookie header a client sends back: `name=value; name=value` from the cookies a response set
 * (its Headers, a Response, or better-auth's `returnHeaders` result) or from a Playwright request
 * context's storage state. `named` keeps only the cookies whose name contains it ("session_token":
 * the session alone, without the known_device cookie a sign-in also sets).
 */
export function cookieHeader(from: Headers | { headers: Headers } | StoredCookies, named?: string): string {
  const pairs =
    "cookies" in from
      ? from.cookies.map((c) => `${c.name}=${c.value}`)
      : (from instanceof Headers ? from : from.headers).getSetCookie().map((line) => line.split(";")[0]!);
  return pairs.filter((pair) => named === undefined || pair.slice(0, pair.indexOf("=")).includes(named)).join("; ");
}
