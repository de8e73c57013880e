import { sql } from "drizzle-orm";
import { logger } from "@/lib/observability/logger";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createAuth } from "@/auth";
import type { DatabaseHandle } from "@/db/connect";
import { CLIENT_ADDRESS_HEADER } from "@/lib/http/client-address";
import { postToAuth } from "../support/auth-requests";
import { cookieHeader } from "../support/cookies";
import { engines, testEnv } from "../support/databases";
import { uniqueEmail } from "../support/unique-email";

const password = "correct horse";

// The per-address limit is set out of the way here: this file tests the per-account one.
const env = testEnv({ AUTH_RATE_LIMIT_MAX: "100000", AUTH_ACCOUNT_MAX_FAILURES: "5", AUTH_ACCOUNT_WINDOW_S: "900" });

describe.each(engines)("sign-in lockout per account on $name", ({ open }) => {
  let handle: DatabaseHandle;
  let auth: ReturnType<typeof createAuth>;
  let n = 0;

  beforeAll(async () => {
    handle = open();
    await handle.ready();
    auth = createAuth(handle.db, env);
  });
  afterAll(() => handle.close());

  /** A sign-in over HTTP, from a client address of its own (as the app's address stamp would decide it). */
  const signIn = (email: string, pass: string, extra: Record<string, string> = {}) =>
    postToAuth(
      auth,
      "/sign-in/email",
      { email, password: pass },
      { [CLIENT_ADDRESS_HEADER]: `198.51.100.${n++ % 250}`, ...extra },
    );

  const newAccount = async (prefix: string) => {
    const email = uniqueEmail(prefix);
    await auth.api.signUpEmail({ body: { name: prefix, email, password } });
    return email;
  };

  /** As if the lock's window had gone by. */
  const endWindow = (email: string) =>
    handle.db.execute(
      sql`update sign_in_failure set window_start = window_start - interval '1 hour', expires_at = expires_at - interval '1 hour' where email = ${email}`,
    );

  it("locks an email after 5 failures from 20 addresses, refuses the right password too, and lets it in after the window", async () => {
    const email = await newAccount("locked");
    const other = await newAccount("bystander");
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 20; i++) {
      last = await signIn(email, `wrong ${i}`);
      statuses.push(last.status);
    }
    expect(statuses).toEqual([...Array(5).fill(401), ...Array(15).fill(429)]);
    const retryAfter = Number(last!.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(800);
    expect(retryAfter).toBeLessThanOrEqual(900);
    expect(await last!.json()).toMatchObject({
      code: "TOO_MANY_FAILED_SIGN_INS",
      message: expect.stringMatching(/reset your password/),
    });

    const right = await signIn(email, password);
    expect(right.status).toBe(429);
    expect(right.headers.get("set-cookie") ?? "").not.toMatch(/session_token=[^;]+/);
    // Case and spaces do not make a new account name.
    expect((await signIn(`  ${email.toUpperCase()} `.trim(), password)).status).toBe(429);

    expect((await signIn(other, password)).status).toBe(200);

    await endWindow(email);
    expect((await signIn(email, password)).status).toBe(200);
    const left = await handle.db.execute(sql`select count(*)::int as n from sign_in_failure where email = ${email}`);
    expect((left as unknown as { rows: { n: number }[] }).rows[0].n).toBe(0);
  });

  it("a burst of parallel guesses gets no more than 5 password checks", async () => {
    const email = await newAccount("burst");
    const statuses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => signIn(email, `guess ${i}`).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
  });

  it("a success clears the count, so failures must be consecutive", async () => {
    const email = await newAccount("typo");
    for (let i = 0; i < 4; i++) expect((await signIn(email, "typo typo")).status).toBe(401);
    expect((await signIn(email, password)).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await signIn(email, "typo typo")).status).toBe(401);
    expect((await signIn(email, password)).status).toBe(200);
  });

  it("an unknown email is counted like a real one (no difference to probe for)", async () => {
    const email = uniqueEmail("nobody");
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await signIn(email, "whatever pw")).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
  });

  it("the owner's own browser (signed in there before) still gets in while an attacker holds the lock", async () => {
    const email = await newAccount("owner");
    const first = await signIn(email, password);
    expect(first.status).toBe(200);
    const deviceCookie = cookieHeader(first, "known_device");
    expect(deviceCookie).toMatch(/known_device=.+/);

    for (let i = 0; i < 6; i++) await signIn(email, "attacker guess");
    expect((await signIn(email, password)).status).toBe(429);
    expect((await signIn(email, password, { cookie: deviceCookie })).status).toBe(200);

    // A forged or tampered device cookie is just an unknown client.
    const [name, value] = deviceCookie.split("=");
    expect((await signIn(email, password, { cookie: `${name}=${value.slice(0, -3)}abc` })).status).toBe(429);
    // The device's own failures are limited too.
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await signIn(email, "owner typo", { cookie: deviceCookie })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });

  it("a password reset lifts the lock", async () => {
    const email = await newAccount("reset");
    for (let i = 0; i < 6; i++) await signIn(email, "attacker guess");
    expect((await signIn(email, password)).status).toBe(429);

    const mail = vi.spyOn(console, "info").mockImplementation(() => {});
    try {
      await auth.api.requestPasswordReset({ body: { email, redirectTo: "/reset-password" } });
      await vi.waitFor(() => expect(mail.mock.calls.flat().join(" ")).toContain(email));
      const link = mail.mock.calls
        .flat()
        .join(" ")
        .match(/reset-password\/([\w-]+)/)?.[1];
      expect(link).toBeTruthy();
      await auth.api.resetPassword({ body: { token: link!, newPassword: "a brand new password" } });
    } finally {
      mail.mockRestore();
    }
    expect((await signIn(email, "a brand new password")).status).toBe(200);
  });

  it("failed and locked sign-ins are logged with email and address, never the password", async () => {
    const email = await newAccount("logged");
    const warn = vi.spyOn(logger, "warn").mockImplementation(() => {});
    let calls: unknown[][];
    try {
      for (let i = 0; i < 6; i++) await signIn(email, "s3cret-guess-xyz", { [CLIENT_ADDRESS_HEADER]: "192.0.2.44" });
    } finally {
      calls = [...warn.mock.calls];
      warn.mockRestore();
    }
    const events = calls
      .filter((c) => c[1] === "auth")
      .map((c) => c[0] as Record<string, unknown>)
      .filter((e) => e.email === email);
    expect(JSON.stringify(calls)).not.toContain("s3cret-guess-xyz");
    expect(events.filter((e) => e.event === "sign_in_failed")).toHaveLength(5);
    expect(events.filter((e) => e.event === "sign_in_locked")).toHaveLength(1);
    expect(events.every((e) => e.email === email && e.address === "192.0.2.44")).toBe(true);
    expect(events.at(-2)).toMatchObject({ failures: 5, max: 5 });
  });
});
