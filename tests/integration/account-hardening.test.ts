import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuth } from "@/auth";
import type { DatabaseHandle } from "@/db/connect";
import { account, auditEvent, session, user, verification } from "@/db/schema";
import { FRESH_SIGN_IN_MAX_AGE_S, MAX_NAME_CHARS } from "@/lib/shared/account-rules";
import { postToAuth } from "../support/auth-requests";
import { cookieHeader } from "../support/cookies";
import { engines, testEnv } from "../support/databases";
import { uniqueEmail } from "../support/unique-email";

const password = "correct horse battery";

describe.each(engines)("account rules on $name", ({ open }) => {
  let handle: DatabaseHandle;
  let auth: ReturnType<typeof createAuth>;
  beforeAll(async () => {
    handle = open();
    await handle.ready();
    auth = createAuth(handle.db, testEnv({ AUTH_RATE_LIMIT_MAX: "100000" }));
  });
  afterAll(() => handle.close());

  const post = async (path: string, body: unknown, cookie = "") => {
    const response = await postToAuth(auth, path, body, { cookie });
    return {
      status: response.status,
      json: (await response.json().catch(() => null)) as Record<string, unknown> | null,
      cookie: cookieHeader(response, "session_token"),
    };
  };
  const signUp = async (name = "Someone") => {
    const email = uniqueEmail("rules");
    const { headers, response } = await auth.api.signUpEmail({ body: { name, email, password }, returnHeaders: true });
    return { id: response.user.id, email, cookie: cookieHeader(headers, "session_token") };
  };
  const userRow = async (id: string) => (await handle.db.select().from(user).where(eq(user.id, id)))[0];

  it(`refuses names over ${MAX_NAME_CHARS} characters on sign-up and profile update (400), and cuts a provider's profile name to fit`, async () => {
    const long = "n".repeat(MAX_NAME_CHARS + 1);
    const email = uniqueEmail("longname");
    const refused = await post("/sign-up/email", { name: long, email, password });
    expect(refused).toMatchObject({ status: 400, json: { code: "NAME_TOO_LONG" } });
    expect(await handle.db.select().from(user).where(eq(user.email, email))).toHaveLength(0);
    expect(
      (await post("/sign-up/email", { name: "x".repeat(900_000), email, password })).status,
    ).toBeGreaterThanOrEqual(400);
    // Counted in characters: 100 emoji (200 UTF-16 units) is a name that fits.
    const emoji = "🙂".repeat(MAX_NAME_CHARS);
    expect((await post("/sign-up/email", { name: emoji, email, password })).status).toBe(200);

    const me = await signUp("Short");
    expect(await post("/update-user", { name: long }, me.cookie)).toMatchObject({
      status: 400,
      json: { code: "NAME_TOO_LONG" },
    });
    expect((await post("/update-user", { name: "a\u0000b" }, me.cookie)).status).toBe(400);
    // The name is all /update-user changes here; anything else (an image URL of any size, ...) is refused.
    expect(await post("/update-user", { name: "Fine", image: "x".repeat(50_000) }, me.cookie)).toMatchObject({
      status: 400,
      json: { code: "FIELD_NOT_UPDATABLE" },
    });
    expect((await userRow(me.id))!.name).toBe("Short");
    expect((await post("/update-user", { name: "n".repeat(MAX_NAME_CHARS) }, me.cookie)).status).toBe(200);
    expect((await userRow(me.id))!.name).toBe("n".repeat(MAX_NAME_CHARS));

    // GitHub, Google and SSO users are created through the same adapter call the OAuth callback makes.
    const ctx = await auth.$context;
    const created = await ctx.internalAdapter.createOAuthUser(
      { name: `${"p".repeat(MAX_NAME_CHARS)}🙂 and more`, email: uniqueEmail("provider"), emailVerified: true },
      { providerId: "github", accountId: `gh-${Date.now()}` },
    );
    expect((await userRow(created.user.id))!.name).toBe("p".repeat(MAX_NAME_CHARS));
  });

  it("asks an account with a password for it on deletion, however fresh the session", async () => {
    const me = await signUp();
    // Just signed up: better-auth alone would delete with no password within a day.
    expect(await post("/delete-user", {}, me.cookie)).toMatchObject({
      status: 400,
      json: { code: "password_required" },
    });
    expect(await post("/delete-user", { password: "" }, me.cookie)).toMatchObject({
      status: 400,
      json: { code: "password_required" },
    });
    expect((await post("/delete-user", { token: "guessed" }, me.cookie)).status).toBe(400);
    expect(await post("/delete-user", { password: "not my password" }, me.cookie)).toMatchObject({
      status: 400,
      json: { code: "INVALID_PASSWORD" },
    });
    expect(await userRow(me.id)).toBeDefined();
    expect((await post("/delete-user", { password }, me.cookie)).status).toBe(200);
    expect(await userRow(me.id)).toBeUndefined();
  });

  it(`lets an account without a password delete itself only within ${FRESH_SIGN_IN_MAX_AGE_S / 60} minutes of signing in (else 403 fresh_sign_in_required)`, async () => {
    const me = await signUp();
    // A passkey or SSO account: no credential row.
    await handle.db.delete(account).where(and(eq(account.userId, me.id), eq(account.providerId, "credential")));
    await handle.db
      .update(session)
      .set({ createdAt: new Date(Date.now() - (FRESH_SIGN_IN_MAX_AGE_S + 60) * 1000) })
      .where(eq(session.userId, me.id));
    const stale = await post("/delete-user", {}, me.cookie);
    expect(stale).toMatchObject({ status: 403, json: { code: "fresh_sign_in_required" } });
    expect(await userRow(me.id)).toBeDefined();
    // A password it does not have is no way around it.
    expect((await post("/delete-user", { password: "anything" }, me.cookie)).status).toBe(403);
    expect(await userRow(me.id)).toBeDefined();

    await handle.db
      .update(session)
      .set({ createdAt: new Date(Date.now() - 60_000) })
      .where(eq(session.userId, me.id));
    expect((await post("/delete-user", {}, me.cookie)).status).toBe(200);
    expect(await userRow(me.id)).toBeUndefined();
  });

  it("an admin's password-reset link goes to the person, is audited, shows the admin nothing, and setting the new password ends every session of theirs", async () => {
    const { createAudit } = await import("@/lib/admin/audit");
    const { createAdminUsers } = await import("@/lib/admin/users");
    const admin = await signUp("Admin");
    await handle.db.update(user).set({ role: "admin" }).where(eq(user.id, admin.id));
    const person = await signUp("Person");
    const otherDevice = cookieHeader(
      await auth.api.signInEmail({ body: { email: person.email, password }, returnHeaders: true }),
      "session_token",
    );
    const admins = createAdminUsers(handle.db, auth.api, createAudit(handle.db, 365));
    const caller = {
      user: { id: admin.id, email: admin.email } as never,
      headers: new Headers({ cookie: admin.cookie, "x-threadkeeper-client-address": "203.0.113.5" }),
    };

    expect(await admins.sendPasswordReset(caller, person.id)).toBeUndefined();
    await expect(admins.sendPasswordReset(caller, "no-such-user")).rejects.toMatchObject({ code: "not_found" });
    const [event] = await handle.db
      .select()
      .from(auditEvent)
      .where(and(eq(auditEvent.action, "admin_password_reset_sent"), eq(auditEvent.targetId, person.id)));
    expect(event).toMatchObject({
      actorId: admin.id,
      actorEmail: admin.email.toLowerCase(),
      targetEmail: person.email.toLowerCase(),
      address: "203.0.113.5",
    });

    // Nothing changed yet: the person is still signed in on both devices, with the old password.
    const signedIn = async (cookie: string) =>
      (await auth.api.getSession({ headers: new Headers({ cookie }) }))?.user.id;
    expect(await signedIn(person.cookie)).toBe(person.id);
    expect(await signedIn(otherDevice)).toBe(person.id);

    // The link's token is only in the database (and the email): the person sets a new password with it.
    const [row] = await handle.db.select().from(verification).where(eq(verification.value, person.id));
    const token = row!.identifier.replace(/^reset-password:/, "");
    expect(JSON.stringify(event)).not.toContain(token);
    expect((await post("/reset-password", { token, newPassword: "a brand new password" })).status).toBe(200);
    expect(await signedIn(person.cookie)).toBeUndefined();
    expect(await signedIn(otherDevice)).toBeUndefined();
    expect((await post("/sign-in/email", { email: person.email, password })).status).toBe(401);
    expect((await post("/sign-in/email", { email: person.email, password: "a brand new password" })).status).toBe(200);
  });
});
