import { eq } from "drizzle-orm";
import { TOTP } from "otpauth";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createAuth } from "@/auth";
import type { DatabaseHandle } from "@/db/connect";
import { auditEvent, twoFactor, user } from "@/db/schema";
import { engines, testEnv } from "../support/databases";
import { uniqueEmail } from "../support/unique-email";

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
    return {
      status: response.status,
      json: (await response.json().catch(() => null)) as Record<string, unknown> | null,
    };
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
  afterEach(() => vi.useRealTimers());

  // A TOTP code is good once (lib/auth/totp-replay.ts), so each use below takes the next 30 s step:
  // only Date is faked (timers, the database and the network run as usual), starting where a step starts.
  const stepMs = 30_000;
  const startClock = () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Math.ceil(Date.now() / stepMs) * stepMs + 1_000);
  };
  const nextStep = () => vi.setSystemTime(Date.now() + stepMs);

  it("turns on with a first code, then asks every password sign-in for a code or a single-use backup code; wrong codes lock (429) and are audited", async () => {
    startClock();
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
    expect(await handle.db.select({ verified: twoFactor.verified }).from(twoFactor)).toEqual(
      expect.arrayContaining([{ verified: false }]),
    );
    expect((await me("/two-factor/verify-totp", { code: code() })).status).toBe(200);

    // A password sign-in now stops before any session, asking for the second factor.
    const phone = client(auth, "198.51.100.21");
    const first = await phone("/sign-in/email", { email, password });
    expect(first.json).toMatchObject({ twoFactorRedirect: true });
    expect((await phone("/get-session")).json).toBeNull();
    nextStep();
    expect((await phone("/two-factor/verify-totp", { code: code() })).status).toBe(200);
    expect((await phone("/get-session")).json).toMatchObject({ user: { email } });

    // "Trust this device": the next password sign-in on that browser asks for no code.
    const trusted = client(auth, "198.51.100.24");
    await trusted("/sign-in/email", { email, password });
    nextStep();
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
    nextStep();
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
    expect(
      (await handle.db.select().from(auditEvent).where(eq(auditEvent.action, "two_factor_disabled"))).length,
    ).toBeGreaterThan(0);
  });

  it("accepts a code once: the same code again, or an older one, is refused like a wrong code, whether it first turned two-factor on or signed in; of two racing uses one wins", async () => {
    startClock();
    const email = uniqueEmail("replay");
    const me = client(auth, "198.51.100.30");
    expect((await me("/sign-up/email", { name: "R", email, password })).status).toBe(200);
    const { totpURI } = (await me("/two-factor/enable", { password })).json as { totpURI: string };
    const totp = new TOTP({ secret: new URL(totpURI).searchParams.get("secret")!, digits: 6, period: 30 });
    const codeAt = (offsetSteps = 0) => totp.generate({ timestamp: Date.now() + offsetSteps * stepMs });
    const challenged = async (address: string) => {
      const device = client(auth, address);
      expect((await device("/sign-in/email", { email, password })).json).toMatchObject({ twoFactorRedirect: true });
      return device;
    };

    // The code that turned two-factor on cannot sign anyone in afterwards.
    const first = codeAt();
    expect((await me("/two-factor/verify-totp", { code: first })).status).toBe(200);
    const wrong = await (
      await challenged("198.51.100.31")
    )("/two-factor/verify-totp", { code: first === "000000" ? "111111" : "000000" });
    const laptop = await challenged("198.51.100.32");
    const replayed = await laptop("/two-factor/verify-totp", { code: first });
    expect(replayed).toEqual(wrong);
    expect(replayed).toMatchObject({ status: 401, json: { code: "INVALID_CODE" } });
    expect((await laptop("/get-session")).json).toBeNull();

    // The next step's code signs in once; a second device with the same code does not.
    nextStep();
    const second = codeAt();
    expect((await laptop("/two-factor/verify-totp", { code: second })).status).toBe(200);
    const tablet = await challenged("198.51.100.33");
    expect(await tablet("/two-factor/verify-totp", { code: second })).toEqual(wrong);
    // An older code still inside the plugin's ±1 step window is refused too once a newer one was used.
    nextStep();
    expect((await tablet("/two-factor/verify-totp", { code: codeAt(1) })).status).toBe(200);
    const phone = await challenged("198.51.100.34");
    expect(await phone("/two-factor/verify-totp", { code: codeAt() })).toEqual(wrong);

    // Two sign-ins racing with one fresh code: exactly one gets in.
    nextStep();
    nextStep();
    const [a, b] = [await challenged("198.51.100.35"), await challenged("198.51.100.36")];
    const fresh = codeAt();
    const statuses = (
      await Promise.all([a("/two-factor/verify-totp", { code: fresh }), b("/two-factor/verify-totp", { code: fresh })])
    ).map((r) => r.status);
    expect(statuses.sort()).toEqual([200, 401]);
    // The step is remembered in the database, so every app instance sees it.
    const [row] = await handle.db
      .select({ lastTotpStep: twoFactor.lastTotpStep })
      .from(twoFactor)
      .innerJoin(user, eq(user.id, twoFactor.userId))
      .where(eq(user.email, email.toLowerCase()));
    expect(row!.lastTotpStep).toBe(Math.floor(Date.now() / stepMs));
  });
});
