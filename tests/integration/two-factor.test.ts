import { eq } from "drizzle-orm";
import { TOTP } from "otpauth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuth } from "@/auth";
import type { DatabaseHandle } from "@/db/connect";
import { auditEvent, twoFactor } from "@/db/schema";
import { engines, testEnv, uniqueEmail } from "../support/databases";

const origin = "http://localhost:3000";
const password = "correct horse battery";

/** A tiny cookie jar: what better-auth sets is sent back, like a browser would. */
function client(auth: ReturnType<typeof createAuth>, address: string) {
  const jar = new Map<string, string>();
  return async (path: string, body?: unknown) => {
    const response = await auth.handler(
      new Request(`${origin}/api/auth${path}`, {
        method: body === undefined ? "GET" : "POST",
        headers: {
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          origin,
          cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; "),
          "x-threadkeeper-client-address": address,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
    for (const cookie of response.headers.getSetCookie()) {
      const [pair, ...attributes] = cookie.split(";");
      const [name, value] = [pair!.slice(0, pair!.indexOf("=")), pair!.slice(pair!.indexOf("=") + 1)];
      if (value === "" || attributes.some((a) => /max-age=0\b/i.test(a))) jar.delete(name);
      else jar.set(name, value);
    }
    return { status: response.status, json: (await response.json().catch(() => null)) as Record<string, unknown> | null };
  };
}

describe.each(engines)("two-factor sign-in on $name", ({ open }) => {
  let handle: DatabaseHandle;
  let auth: ReturnType<typeof createAuth>;
  beforeAll(async () => {
    handle = open();
    await handle.ready();
    auth = createAuth(handle.db, testEnv({ AUTH_RATE_LIMIT_MAX: "100000" }));
  });
  afterAll(() => handle.close());

  it("turns on with a first code, then asks every password sign-in for a code or a single-use backup code; wrong codes lock (429) and are audited", async () => {
    const email = uniqueEmail("twofactor");
    const me = client(auth, "198.51.100.20");
    expect((await me("/sign-up/email", { name: "T", email, password })).status).toBe(200);

    const enabled = await me("/two-factor/enable", { password });
    expect(enabled.status).toBe(200);
    const { totpURI, backupCodes } = enabled.json as { totpURI: string; backupCodes: string[] };
    expect(backupCodes).toHaveLength(10);
    const secret = new URL(totpURI).searchParams.get("secret")!;
    const code = () => new TOTP({ secret, digits: 6, period: 30 }).generate();
    // Not on until the first code is confirmed.
    expect((await handle.db.select({ verified: twoFactor.verified }).from(twoFactor))).toEqual(expect.arrayContaining([{ verified: false }]));
    expect((await me("/two-factor/verify-totp", { code: code() })).status).toBe(200);

    // A password sign-in now stops before any session, asking for the second factor.
    const phone = client(auth, "198.51.100.21");
    const first = await phone("/sign-in/email", { email, password });
    expect(first.json).toMatchObject({ twoFactorRedirect: true });
    expect((await phone("/get-session")).json).toBeNull();
    expect((await phone("/two-factor/verify-totp", { code: code() })).status).toBe(200);
    expect((await phone("/get-session")).json).toMatchObject({ user: { email } });

    // "Trust this device": the next password sign-in on that browser asks for no code.
    const trusted = client(auth, "198.51.100.24");
    await trusted("/sign-in/email", { email, password });
    expect((await trusted("/two-factor/verify-totp", { code: code(), trustDevice: true })).status).toBe(200);
    await trusted("/sign-out", {});
    expect((await trusted("/sign-in/email", { email, password })).json).toMatchObject({ user: { email } });

    // A backup code works once.
    const laptop = client(auth, "198.51.100.22");
    await laptop("/sign-in/email", { email, password });
    expect((await laptop("/two-factor/verify-backup-code", { code: backupCodes[0] })).status).toBe(200);
    const again = client(auth, "198.51.100.23");
    await again("/sign-in/email", { email, password });
    expect((await again("/two-factor/verify-backup-code", { code: backupCodes[0] })).status).toBe(401);

    // Guessing: wrong codes are refused, and then the account's second step is locked (429) even for the right code.
    const attacker = client(auth, "203.0.113.66");
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      if (i % 3 === 0) await attacker("/sign-in/email", { email, password });
      statuses.push((await attacker("/two-factor/verify-totp", { code: "000000" })).status);
    }
    expect(statuses).toContain(429);
    expect(statuses.slice(statuses.indexOf(429))).toEqual(statuses.slice(statuses.indexOf(429)).map(() => 429));
    await attacker("/sign-in/email", { email, password });
    expect((await attacker("/two-factor/verify-totp", { code: code() })).status).toBe(429);

    const rows = await handle.db.select().from(auditEvent).where(eq(auditEvent.actorEmail, email.toLowerCase()));
    const seen = rows.map((r) => `${r.action}:${r.outcome}:${(r.detail as { method?: string } | null)?.method ?? ""}`);
    expect(seen).toEqual(
      expect.arrayContaining([
        "two_factor_enabled:success:",
        "sign_in:challenged:email",
        "sign_in:success:password + authenticator code",
        "sign_in:success:password + backup code",
        "sign_in:failure:password + backup code",
        "sign_in:failure:password + authenticator code",
      ]),
    );
    // The password step alone is never a successful sign-in of an account with two-factor, except on a trusted device.
    expect(seen.filter((r) => r === "sign_in:success:email")).toHaveLength(1);
    const everything = JSON.stringify(rows);
    for (const secretText of [secret, backupCodes[0]!, password]) expect(everything).not.toContain(secretText);

    // Turning it off needs the password.
    expect((await me("/two-factor/disable", { password: "not my password" })).status).toBe(400);
    expect((await me("/two-factor/disable", { password })).status).toBe(200);
    expect((await handle.db.select().from(auditEvent).where(eq(auditEvent.action, "two_factor_disabled"))).length).toBeGreaterThan(0);
  });
});
