import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { createAuth } from "@/auth";
import { connectPglite, connectPostgres, type DatabaseHandle } from "@/db/connect";
import { auditEvent, user } from "@/db/schema";
import { authOrigin, postToAuth } from "../support/auth-requests";
import { cookieHeader } from "../support/cookies";
import { migratePostgres } from "../support/migrate";
import { createDatabase } from "../support/postgres";
import { startSmtpServer } from "../support/smtp-server";
import { testEnv } from "../support/databases";
import { uniqueEmail } from "../support/unique-email";

// Databases of their own: these tests need to know which account is the instance's first.
const fresh = [
  { name: "pglite", open: async (): Promise<DatabaseHandle> => connectPglite(undefined) },
  {
    name: "postgres",
    open: async (): Promise<DatabaseHandle> => {
      const url = await createDatabase(inject("postgresUrl"), `claims_${process.pid}_${Date.now()}`);
      await migratePostgres(url);
      return connectPostgres(url, { max: 4 });
    },
  },
];

const password = "correct horse";
const unlimited = { AUTH_RATE_LIMIT_MAX: "100000" };
type Auth = ReturnType<typeof createAuth>;

const post = (auth: Auth, path: string, body: unknown, cookie = "") => postToAuth(auth, path, body, { cookie });

/**
 * Without SMTP_URL the mailer prints each mail on the console; this reads the newest link in a
 * mail to `email`, as a person would copy it from the server log.
 */
type ConsoleSpy = { mock: { calls: unknown[][] } };
async function loggedLink(info: ConsoleSpy, email: string, pathPart: string): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const mails = info.mock.calls.map((c) => String(c[0])).filter((m: string) => m.startsWith(`[mail] to ${email}:`));
    const link = mails.at(-1)?.match(new RegExp(`https?://\\S*${pathPart}\\S*`))?.[0];
    if (link) return link;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no mail with ${pathPart} for ${email}`);
}

describe.each(fresh)("ADMIN_EMAILS grants nothing until the address is verified, on $name", ({ open }) => {
  let handle: DatabaseHandle;
  let info: ReturnType<typeof vi.spyOn>;
  beforeAll(async () => {
    handle = await open();
    await handle.ready();
  });
  afterAll(() => handle.close());
  beforeAll(() => {
    info = vi.spyOn(console, "info").mockImplementation(() => {});
  });
  afterEach(() => info.mockClear());
  afterAll(() => info.mockRestore());

  const rowOf = async (email: string) =>
    (
      await handle.db
        .select({ role: user.role, approvalStatus: user.approvalStatus, emailVerified: user.emailVerified })
        .from(user)
        .where(eq(user.email, email.toLowerCase()))
    )[0];

  it("an unverified listed sign-up is a user; opening the mailed link makes it admin, with an audit row", async () => {
    const listed = uniqueEmail("listed");
    const auth = createAuth(
      handle.db,
      testEnv({ ...unlimited, ADMIN_EMAILS: `other@example.com, ${listed.toUpperCase()}` }),
    );
    // The instance's first account is its admin whatever its address: that stays.
    const first = uniqueEmail("first");
    expect((await post(auth, "/sign-up/email", { name: "First", email: first, password })).status).toBe(200);
    expect((await rowOf(first))?.role).toBe("admin");

    const made = await post(auth, "/sign-up/email", { name: "Claimer", email: listed, password });
    expect(made.status).toBe(200);
    expect(await rowOf(listed)).toEqual({ role: "user", approvalStatus: null, emailVerified: false });
    const claimer = cookieHeader(made, "session_token");
    expect(
      (await auth.handler(new Request(`${authOrigin}/api/auth/admin/list-users`, { headers: { cookie: claimer } })))
        .status,
    ).toBe(403);
    // Signing in again with the right password proves nothing about the address either.
    expect((await post(auth, "/sign-in/email", { email: listed, password })).status).toBe(200);
    expect((await rowOf(listed))?.role).toBe("user");

    const link = await loggedLink(info, listed.toLowerCase(), "/verify-email");
    const verified = await auth.handler(new Request(link));
    expect(verified.status).toBeLessThan(400);
    expect(await rowOf(listed)).toEqual({ role: "admin", approvalStatus: null, emailVerified: true });
    const promotions = await handle.db
      .select()
      .from(auditEvent)
      .where(eq(auditEvent.targetEmail, listed.toLowerCase()));
    expect(promotions.filter((r) => r.action === "role_changed").map((r) => r.detail)).toEqual([
      { role: "admin", reason: "ADMIN_EMAILS", via: "email_verified" },
    ]);
  });

  it("a closed instance lets a listed address sign up, held until verified; a verified one that had an account is promoted when it signs in", async () => {
    const boss = uniqueEmail("boss");
    const closed = createAuth(handle.db, testEnv({ ...unlimited, SIGNUP_MODE: "closed", ADMIN_EMAILS: boss }));
    expect((await post(closed, "/sign-up/email", { name: "Late", email: uniqueEmail("late"), password })).status).toBe(
      403,
    );
    const made = await post(closed, "/sign-up/email", { name: "Boss", email: boss, password });
    expect(made.status).toBe(200);
    expect(await rowOf(boss)).toEqual({ role: "user", approvalStatus: "unverified", emailVerified: false });
    const { isEmailVerificationPending } = await import("@/lib/auth/session");
    const session = await closed.api.getSession({
      headers: new Headers({ cookie: cookieHeader(made, "session_token") }),
    });
    expect(isEmailVerificationPending(session!, new Set())).toBe(true);

    // Verified another way (here by hand, as an SSO provider vouching at sign-in would): the next sign-in promotes.
    await handle.db.update(user).set({ emailVerified: true }).where(eq(user.email, boss.toLowerCase()));
    expect((await rowOf(boss))?.role).toBe("user");
    const signedIn = await post(closed, "/sign-in/email", { email: boss, password });
    expect(signedIn.status).toBe(200);
    expect(await rowOf(boss)).toEqual({ role: "admin", approvalStatus: null, emailVerified: true });
    const again = await closed.api.getSession({
      headers: new Headers({ cookie: cookieHeader(signedIn, "session_token") }),
    });
    expect(isEmailVerificationPending(again!, new Set())).toBe(false);
  });

  it("SIGNUP_EMAIL_DOMAINS: a password sign-up in the domain is made but held until verified; outside it, refused", async () => {
    const auth = createAuth(handle.db, testEnv({ ...unlimited, SIGNUP_EMAIL_DOMAINS: "example.com" }));
    const { isEmailVerificationPending } = await import("@/lib/auth/session");
    const domains = new Set(["example.com"]);
    const email = uniqueEmail("member");
    const made = await post(auth, "/sign-up/email", { name: "Member", email, password });
    expect(made.status).toBe(200);
    const session = await auth.api.getSession({
      headers: new Headers({ cookie: cookieHeader(made, "session_token") }),
    });
    expect(isEmailVerificationPending(session!, domains)).toBe(true);
    // The same account on an instance without domains is not held: the domain was the claim.
    expect(isEmailVerificationPending(session!, new Set())).toBe(false);
    await auth.handler(new Request(await loggedLink(info, email.toLowerCase(), "/verify-email")));
    const after = await auth.api.getSession({ headers: new Headers({ cookie: cookieHeader(made, "session_token") }) });
    expect(isEmailVerificationPending(after!, domains)).toBe(false);

    const outside = await post(auth, "/sign-up/email", {
      name: "Out",
      email: `out-${Date.now()}@elsewhere.test`,
      password,
    });
    expect(outside.status).toBe(403);
    expect((await outside.json()).code).toBe("SIGNUP_DOMAIN_NOT_ALLOWED");
  });
});

describe.each(fresh)("sign-up does not say which addresses have accounts when mail is set up, on $name", ({ open }) => {
  let handle: DatabaseHandle;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  beforeAll(async () => {
    handle = await open();
    await handle.ready();
    smtp = await startSmtpServer();
  });
  afterAll(async () => {
    await handle.close();
    await smtp.close();
  });

  it("with SMTP_URL: a taken address gets the same answer as a new one, and its owner gets an email instead", async () => {
    const auth = createAuth(handle.db, testEnv({ ...unlimited, SMTP_URL: smtp.url, SIGNUP_MODE: "approval" }));
    await post(auth, "/sign-up/email", { name: "First", email: uniqueEmail("first"), password });
    const taken = uniqueEmail("taken");
    await post(auth, "/sign-up/email", { name: "Owner", email: taken, password });
    const ownerId = (await handle.db.select({ id: user.id }).from(user).where(eq(user.email, taken.toLowerCase())))[0]!
      .id;

    const fresh = uniqueEmail("new");
    const answers = [];
    for (const email of [fresh, taken]) {
      const response = await post(auth, "/sign-up/email", { name: "Someone", email, password: "another password" });
      answers.push({
        status: response.status,
        body: await response.json(),
        cookie: response.headers.get("set-cookie"),
      });
    }
    expect(answers[0]).toEqual({ status: 200, body: { token: null, user: null }, cookie: null });
    expect(answers[1]).toEqual(answers[0]);

    expect((await smtp.mailTo(fresh.toLowerCase(), /Confirm/)).text).toMatch(/\/verify-email\?token=/);
    const warning = await smtp.mailTo(taken.toLowerCase(), /tried to sign up/);
    expect(warning.text).toContain(`${authOrigin}/sign-in`);
    expect(warning.text).not.toContain("another password");
    // The taken account is unchanged: same id, one account, and no sign-up recorded for it.
    expect(
      (await handle.db.select({ id: user.id }).from(user).where(eq(user.email, taken.toLowerCase()))).map((r) => r.id),
    ).toEqual([ownerId]);
    const rows = await handle.db.select().from(auditEvent).where(eq(auditEvent.actorEmail, taken.toLowerCase()));
    expect(
      rows.filter((r) => r.action === "sign_up").map((r) => `${r.outcome}:${r.detail?.reason ?? r.detail?.method}`),
    ).toEqual(["success:email", "failure:NO_ACCOUNT_MADE"]);

    // A bad invitation is refused before the address is looked up: alike for new and taken ones.
    for (const email of [uniqueEmail("invited"), taken]) {
      const response = await postToAuth(
        auth,
        "/sign-up/email",
        { name: "X", email, password },
        { "x-invite-token": "not-a-real-token" },
      );
      expect(response.status, email).toBe(403);
      expect((await response.json()).code, email).toBe("INVITATION_INVALID");
    }

    // A refusal that holds for every owner of an address is still said, alike for new and taken ones.
    const closed = createAuth(handle.db, testEnv({ ...unlimited, SMTP_URL: smtp.url, SIGNUP_MODE: "closed" }));
    for (const email of [uniqueEmail("nobody"), taken]) {
      const refused = await post(closed, "/sign-up/email", { name: "X", email, password });
      expect(refused.status, email).toBe(403);
      expect((await refused.json()).code, email).toBe("SIGNUP_CLOSED");
    }
  });

  it("without SMTP_URL (development) sign-up still says the address is taken", async () => {
    const auth = createAuth(handle.db, testEnv(unlimited));
    const email = uniqueEmail("dev");
    expect((await post(auth, "/sign-up/email", { name: "Dev", email, password })).status).toBe(200);
    const again = await post(auth, "/sign-up/email", { name: "Dev", email, password });
    expect(again.status).toBe(422);
    expect((await again.json()).code).toBe("USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL");
  });
});

describe("redirect targets sent to better-auth", () => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = connectPglite(undefined);
    await handle.ready();
  });
  afterAll(() => handle.close());

  it("are refused unless they are a plain path on this site", async () => {
    const auth = createAuth(
      handle.db,
      testEnv({ ...unlimited, GITHUB_CLIENT_ID: "id", GITHUB_CLIENT_SECRET: "secret" }),
    );
    const social = (fields: Record<string, string>) => post(auth, "/sign-in/social", { provider: "github", ...fields });
    const ok = await social({ callbackURL: "/chat/abc", errorCallbackURL: "/sign-in" });
    expect(ok.status).toBe(200);
    expect((await ok.json()).url).toMatch(/^https:\/\/github\.com\//);
    for (const [field, value] of [
      ["callbackURL", "/%09/example.com"],
      ["callbackURL", "/\t/example.com"],
      ["callbackURL", "/%0a/x"],
      ["callbackURL", "/%2F/example.com"],
      ["callbackURL", "//example.com"],
      ["callbackURL", "https:example.com"],
      ["errorCallbackURL", "/\\example.com"],
      ["newUserCallbackURL", "https://example.com/"],
    ]) {
      const refused = await social({ [field]: value });
      expect(refused.status, `${field}=${value}`).toBe(403);
      expect((await refused.json()).code, `${field}=${value}`).toBe("INVALID_CALLBACK_URL");
    }
    // Also in a query (the emailed verification link).
    const link = await auth.handler(
      new Request(`${authOrigin}/api/auth/verify-email?token=x&callbackURL=${encodeURIComponent("/%09/example.com")}`),
    );
    expect(link.status).toBe(403);
  });
});
