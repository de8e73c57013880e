import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createAuth } from "@/auth";
import { connectPglite, connectPostgres, type DatabaseHandle } from "@/db/connect";
import { session, user } from "@/db/schema";
import { authOrigin, postToAuth } from "../support/auth-requests";
import { cookieHeader } from "../support/cookies";
import { migratePostgres } from "../support/migrate";
import { createDatabase } from "../support/postgres";
import { testEnv } from "../support/databases";
import { uniqueEmail } from "../support/unique-email";

// A database of its own: "the first account" needs an empty instance.
const fresh = [
  { name: "pglite", open: async (): Promise<DatabaseHandle> => connectPglite(undefined) },
  {
    name: "postgres",
    open: async (): Promise<DatabaseHandle> => {
      const url = await createDatabase(inject("postgresUrl"), `admins_${process.pid}_${Date.now()}`);
      await migratePostgres(url);
      return connectPostgres(url, { max: 4 });
    },
  },
];

const password = "correct horse";

describe.each(fresh)("admins on $name", ({ open }) => {
  let handle: DatabaseHandle;
  let auth: ReturnType<typeof createAuth>;
  const listed = uniqueEmail("listed");
  beforeAll(async () => {
    handle = await open();
    await handle.ready();
    auth = createAuth(handle.db, testEnv({ ADMIN_EMAILS: ` ${listed.toUpperCase()} , other@example.com` }));
  });
  afterAll(() => handle.close());

  const roleOf = async (email: string) =>
    (await handle.db.select({ role: user.role }).from(user).where(eq(user.email, email.toLowerCase())))[0]?.role;
  const signUp = async (name: string, email = uniqueEmail(name)) => {
    const { headers, response } = await auth.api.signUpEmail({ body: { name, email, password }, returnHeaders: true });
    return { email, id: response.user.id, cookie: cookieHeader(headers, "session_token") };
  };
  const call = (path: string, cookie: string, body: unknown) => postToAuth(auth, path, body, { cookie });
  const signIn = (email: string) => postToAuth(auth, "/sign-in/email", { email, password });

  it("makes the first account an admin, the second a user, and an ADMIN_EMAILS sign-up a user until its address is verified", async () => {
    const first = await signUp("First");
    const second = await signUp("Second");
    expect(await roleOf(first.email)).toBe("admin");
    expect(await roleOf(second.email)).toBe("user");
    await signUp("Listed", listed);
    expect(await roleOf(listed)).toBe("user");
  });

  it("an ADMIN_EMAILS address that already had an account becomes admin when it signs in, once verified", async () => {
    const later = uniqueEmail("later");
    await signUp("Later", later);
    expect(await roleOf(later)).toBe("user");
    const promoted = createAuth(handle.db, testEnv({ ADMIN_EMAILS: later }));
    await promoted.api.signInEmail({ body: { email: later, password } });
    expect(await roleOf(later)).toBe("user");
    await handle.db.update(user).set({ emailVerified: true }).where(eq(user.email, later.toLowerCase()));
    await promoted.api.signInEmail({ body: { email: later, password } });
    expect(await roleOf(later)).toBe("admin");
  });

  it("a ban ends every session at once and sign-in then says the account is suspended, with the reason", async () => {
    const boss = await signUp("Boss", uniqueEmail("boss"));
    await handle.db.update(user).set({ role: "admin" }).where(eq(user.id, boss.id));
    const target = await signUp("Target");
    const before = await auth.api.getSession({ headers: new Headers({ cookie: target.cookie }) });
    expect(before?.user.id).toBe(target.id);

    const banned = await call("/admin/ban-user", boss.cookie, { userId: target.id, banReason: "spamming the model" });
    expect(banned.status).toBe(200);
    expect(await auth.api.getSession({ headers: new Headers({ cookie: target.cookie }) })).toBeNull();
    expect(await handle.db.select().from(session).where(eq(session.userId, target.id))).toEqual([]);

    const refused = await signIn(target.email);
    expect(refused.status).toBe(403);
    expect((await refused.json()).message).toBe("This account is suspended: spamming the model");

    expect((await call("/admin/unban-user", boss.cookie, { userId: target.id })).status).toBe(200);
    expect((await signIn(target.email)).status).toBe(200);
  });

  it("a user cannot use the admin endpoints, and nobody can impersonate", async () => {
    const plain = await signUp("Plain");
    const victim = await signUp("Victim");
    expect((await call("/admin/ban-user", plain.cookie, { userId: victim.id })).status).toBe(403);
    expect((await call("/admin/set-role", plain.cookie, { userId: plain.id, role: "admin" })).status).toBe(403);
    expect(await roleOf(plain.email)).toBe("user");
    const boss = await signUp("Boss2", uniqueEmail("boss2"));
    await handle.db.update(user).set({ role: "admin" }).where(eq(user.id, boss.id));
    const impersonate = await call("/admin/impersonate-user", boss.cookie, { userId: victim.id });
    expect(impersonate.status).toBe(403);
    expect((await impersonate.json()).code).toBe("IMPERSONATION_DISABLED");
  });

  it("the last admin cannot be demoted, banned or deleted", async () => {
    // Leave exactly one admin.
    const keeper = await signUp("Keeper", uniqueEmail("keeper"));
    await handle.db.update(user).set({ role: "user" });
    await handle.db.update(user).set({ role: "admin" }).where(eq(user.id, keeper.id));
    for (const [path, body] of [
      ["/admin/set-role", { userId: keeper.id, role: "user" }],
      ["/admin/ban-user", { userId: keeper.id }],
      ["/admin/remove-user", { userId: keeper.id }],
      ["/delete-user", { password }],
    ] as const) {
      const response = await call(path, keeper.cookie, body);
      expect(response.status, path).toBe(400);
      expect((await response.json()).code, path).toBe("LAST_ADMIN");
    }
    expect(await roleOf(keeper.email)).toBe("admin");
    // With a second admin, the first may step down.
    const deputy = await signUp("Deputy");
    expect((await call("/admin/set-role", keeper.cookie, { userId: deputy.id, role: "admin" })).status).toBe(200);
    expect((await call("/admin/set-role", keeper.cookie, { userId: keeper.id, role: "user" })).status).toBe(200);
  });
});

describe.each(fresh)("who may sign up, on $name", ({ open }) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await open();
    await handle.ready();
  });
  afterAll(() => handle.close());

  // Every sign-up here comes from one address: the per-address limit is out of the way.
  const unlimited = { AUTH_RATE_LIMIT_MAX: "100000" };
  const signUp = (auth: ReturnType<typeof createAuth>, email: string) =>
    postToAuth(auth, "/sign-up/email", { name: "N", email, password });

  it("closed: only the first account and ADMIN_EMAILS get in; domains limit every sign-up; approval leaves new accounts pending", async () => {
    const boss = uniqueEmail("boss");
    const closed = createAuth(handle.db, testEnv({ ...unlimited, SIGNUP_MODE: "closed", ADMIN_EMAILS: boss }));
    expect((await signUp(closed, uniqueEmail("first"))).status).toBe(200); // an empty instance needs its admin
    const refused = await signUp(closed, uniqueEmail("late"));
    expect(refused.status).toBe(403);
    expect((await refused.json()).code).toBe("SIGNUP_CLOSED");
    expect((await signUp(closed, boss)).status).toBe(200);

    const domains = createAuth(handle.db, testEnv({ ...unlimited, SIGNUP_EMAIL_DOMAINS: "example.com, @team.test" }));
    expect((await signUp(domains, `ok-${Date.now()}@TEAM.test`)).status).toBe(200);
    const outside = await signUp(domains, `no-${Date.now()}@elsewhere.test`);
    expect(outside.status).toBe(403);
    expect((await outside.json()).code).toBe("SIGNUP_DOMAIN_NOT_ALLOWED");

    const approval = createAuth(handle.db, testEnv({ ...unlimited, SIGNUP_MODE: "approval" }));
    const pendingEmail = uniqueEmail("pending");
    const made = await signUp(approval, pendingEmail);
    expect(made.status).toBe(200);
    const [row] = await handle.db
      .select({ approvalStatus: user.approvalStatus })
      .from(user)
      .where(eq(user.email, pendingEmail.toLowerCase()));
    expect(row.approvalStatus).toBe("pending");
    const cookie = cookieHeader(made, "session_token");
    const seen = await approval.api.getSession({ headers: new Headers({ cookie }) });
    expect((seen?.user as { approvalStatus?: string }).approvalStatus).toBe("pending");
  });

  it("no sign-up or update-user body sets what only the server and admins set: approval status, quota, role, two-factor", async () => {
    const approval = createAuth(handle.db, testEnv({ ...unlimited, SIGNUP_MODE: "approval" }));
    const post = (path: string, body: unknown, cookie = "") => postToAuth(approval, path, body, { cookie });
    const rowOf = async (email: string) =>
      (
        await handle.db
          .select({
            approvalStatus: user.approvalStatus,
            tokenQuota: user.tokenQuota,
            role: user.role,
            twoFactorEnabled: user.twoFactorEnabled,
          })
          .from(user)
          .where(eq(user.email, email.toLowerCase()))
      )[0];
    const claims = [
      { approvalStatus: "approved" },
      { approvalStatus: "unverified" },
      { tokenQuota: 1e12 },
      { role: "admin" },
      { twoFactorEnabled: true },
    ];

    await post("/sign-up/email", { name: "N", email: uniqueEmail("first"), password }); // not the instance's first account, which would be its admin
    const pending = { approvalStatus: "pending", tokenQuota: null, role: "user", twoFactorEnabled: false };
    for (const claim of claims.filter((c) => !("twoFactorEnabled" in c))) {
      const email = uniqueEmail("claims");
      const refused = await post("/sign-up/email", { name: "N", email, password, ...claim });
      expect(refused.status, JSON.stringify(claim)).toBe(400);
      expect((await refused.json()).code, JSON.stringify(claim)).toBe("FIELD_NOT_ALLOWED");
      expect(await rowOf(email), JSON.stringify(claim)).toBeUndefined();
    }
    // A field with a default (the two-factor plugin's) takes the default at sign-up, whatever the body says.
    const defaulted = uniqueEmail("claims");
    expect(
      (await post("/sign-up/email", { name: "N", email: defaulted, password, twoFactorEnabled: true })).status,
    ).toBe(200);
    expect(await rowOf(defaulted)).toEqual(pending);
    // An empty value is passed over, not stored: the account is made pending like any other.
    const email = uniqueEmail("claims");
    const made = await post("/sign-up/email", { name: "N", email, password, approvalStatus: null, tokenQuota: null });
    expect(made.status).toBe(200);
    expect(await rowOf(email)).toEqual(pending);

    // update-user takes a name and an image only (lib/auth/account-hardening.ts); behind that, better-auth refuses any non-empty value of these (input: false).
    const cookie = (made.headers.get("set-cookie") ?? "").split(";")[0];
    for (const claim of [...claims, { approvalStatus: null }]) {
      const refused = await post("/update-user", { name: "Renamed", ...claim }, cookie);
      expect(refused.status, JSON.stringify(claim)).toBe(400);
      expect((await refused.json()).code, JSON.stringify(claim)).toBe("FIELD_NOT_UPDATABLE");
    }
    expect(await rowOf(email)).toEqual(pending);
  });

  it("an admin's choice of mode wins over SIGNUP_MODE until reset", async () => {
    const { createSignupPolicy } = await import("@/lib/admin/signup-policy");
    const policy = createSignupPolicy(handle.db, { mode: "open", domains: new Set() });
    const [someone] = await handle.db.select({ id: user.id }).from(user).limit(1);
    expect(await policy.current()).toEqual({ mode: "open", source: "environment" });
    await policy.setModeByAdmin(someone.id, "closed");
    expect(await policy.current()).toEqual({ mode: "closed", source: "admin" });
    const auth = createAuth(handle.db, testEnv({ ...unlimited, SIGNUP_MODE: "open" }));
    expect((await signUp(auth, uniqueEmail("blocked"))).status).toBe(403);
    await policy.setModeByAdmin(someone.id, null);
    expect((await signUp(auth, uniqueEmail("welcome"))).status).toBe(200);
  });
});

describe.each(fresh)("invitations on $name", ({ open }) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await open();
    await handle.ready();
  });
  afterAll(() => handle.close());

  const signUp = (auth: ReturnType<typeof createAuth>, email: string, invite?: string) =>
    postToAuth(auth, "/sign-up/email", { name: "N", email, password }, invite ? { "x-invite-token": invite } : {});

  it("invite mode takes only valid invitations, each use counted once; used up, expired, revoked and other-address ones say so", async () => {
    const { createInvitations } = await import("@/lib/admin/invitations");
    const { invitation } = await import("@/db/schema");
    const auth = createAuth(handle.db, testEnv({ AUTH_RATE_LIMIT_MAX: "100000", SIGNUP_MODE: "invite" }));
    expect((await signUp(auth, uniqueEmail("first"))).status).toBe(200); // the instance's first account
    const [admin] = await handle.db.select({ id: user.id }).from(user).limit(1);
    const invites = createInvitations(handle.db);

    const none = await signUp(auth, uniqueEmail("uninvited"));
    expect(none.status).toBe(403);
    expect((await none.json()).code).toBe("SIGNUP_INVITE_ONLY");

    const { token } = await invites.create(admin.id, { maxUses: 1, expiresInDays: 7 });
    const invitedEmail = uniqueEmail("invited");
    expect((await signUp(auth, invitedEmail, token)).status).toBe(200);
    const [invited] = await handle.db
      .select({ approvalStatus: user.approvalStatus })
      .from(user)
      .where(eq(user.email, invitedEmail.toLowerCase()));
    expect(invited.approvalStatus).toBeNull();
    const again = await signUp(auth, uniqueEmail("second"), token);
    expect(again.status).toBe(403);
    expect((await again.json()).message).toBe("This invitation has been used up.");

    const bogus = await signUp(auth, uniqueEmail("bogus"), "not-a-token");
    expect((await bogus.json()).message).toBe("This invitation link is not valid.");

    const expired = await invites.create(admin.id, { maxUses: 5, expiresInDays: 1 });
    await handle.db
      .update(invitation)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(invitation.maxUses, 5));
    expect((await (await signUp(auth, uniqueEmail("late"), expired.token)).json()).message).toBe(
      "This invitation has expired.",
    );

    const revoked = await invites.create(admin.id, { maxUses: 3, expiresInDays: 1 });
    const [row] = (await invites.list()).filter((i) => i.maxUses === 3);
    await invites.revoke(row.id);
    expect((await (await signUp(auth, uniqueEmail("revoked"), revoked.token)).json()).message).toBe(
      "This invitation was revoked.",
    );

    const locked = await invites.create(admin.id, { maxUses: 2, expiresInDays: 1, email: "only.me@example.com" });
    expect((await (await signUp(auth, uniqueEmail("someone"), locked.token)).json()).message).toBe(
      "This invitation is for another email address.",
    );
    expect((await signUp(auth, "Only.Me@example.com", locked.token)).status).toBe(200);
    expect((await invites.list()).find((i) => i.email === "only.me@example.com")).toMatchObject({
      uses: 1,
      status: "active",
    });
  });
});

describe.each(fresh)("the audit log on $name", ({ open }) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await open();
    await handle.ready();
  });
  afterAll(() => handle.close());

  it("records sign-in, failures, locks, sign-out, password changes and admin actions, with address and agent, never a secret", async () => {
    const { auditEvent } = await import("@/db/schema");
    const { createAudit } = await import("@/lib/admin/audit");
    const auth = createAuth(handle.db, testEnv({ AUTH_RATE_LIMIT_MAX: "100000", AUTH_ACCOUNT_MAX_FAILURES: "2" }));
    const post = (path: string, body: unknown, cookie = "") =>
      postToAuth(auth, path, body, {
        cookie,
        "user-agent": "AuditTest/1.0",
        "x-threadkeeper-client-address": "198.51.100.77",
      });
    const adminEmail = uniqueEmail("auditor");
    const admin = await post("/sign-up/email", { name: "A", email: adminEmail, password });
    const adminCookie = cookieHeader(admin, "session_token");
    const memberEmail = uniqueEmail("audited");
    const member = await post("/sign-up/email", { name: "M", email: memberEmail, password });
    const memberId = (await member.json()).user.id as string;

    await post("/sign-in/email", { email: memberEmail, password: "wrong secret 1" });
    await post("/sign-in/email", { email: memberEmail, password: "wrong secret 2" });
    await post("/sign-in/email", { email: memberEmail, password: "wrong secret 3" }); // locked
    const signedIn = await post("/sign-in/email", { email: adminEmail, password });
    const cookie = cookieHeader(signedIn, "session_token");
    await post("/change-password", { currentPassword: password, newPassword: "another good password" }, cookie);
    await post("/admin/ban-user", { userId: memberId, banReason: "abuse" }, adminCookie);
    await post("/sign-out", {}, cookie);
    // A sign-in that is not a password one (here the one after confirming an email; social and SSO callbacks alike) is recorded with its method.
    const { createEmailVerificationToken } = await import("better-auth/api");
    const confirmerEmail = uniqueEmail("confirmer");
    const confirmerId = (await (await post("/sign-up/email", { name: "C", email: confirmerEmail, password })).json())
      .user.id as string;
    const token = await createEmailVerificationToken((await auth.$context).secret, confirmerEmail);
    const verified = await auth.handler(
      new Request(`${authOrigin}/api/auth/verify-email?token=${token}`, {
        headers: { "user-agent": "AuditTest/1.0", "x-threadkeeper-client-address": "198.51.100.77" },
      }),
    );
    expect(verified.status).toBeLessThan(400);

    const rows = await handle.db.select().from(auditEvent);
    const summary = rows.map(
      (r) => `${r.action}:${r.outcome}:${r.actorEmail ?? ""}:${r.targetId === memberId ? "member" : ""}`,
    );
    expect(summary).toEqual(
      expect.arrayContaining([
        `sign_up:success:${adminEmail.toLowerCase()}:`,
        `sign_in:failure:${memberEmail.toLowerCase()}:member`,
        `sign_in:success:${adminEmail.toLowerCase()}:`,
        `password_changed:success:${adminEmail.toLowerCase()}:`,
        `user_banned:success:${adminEmail.toLowerCase()}:member`,
        `sign_out:success:${adminEmail.toLowerCase()}:`,
      ]),
    );
    expect(
      rows
        .filter((r) => r.action === "sign_in" && r.outcome === "success" && r.actorId === confirmerId)
        .map((r) => r.detail),
    ).toEqual([{ method: "email confirmation link" }]);
    expect(rows.filter((r) => r.action === "sign_in" && r.outcome === "failure").map((r) => r.detail?.reason)).toEqual([
      "INVALID_EMAIL_OR_PASSWORD",
      "INVALID_EMAIL_OR_PASSWORD",
      "TOO_MANY_FAILED_SIGN_INS",
    ]);
    expect(rows.every((r) => r.address === "198.51.100.77" && r.userAgent === "AuditTest/1.0")).toBe(true);
    expect(rows.find((r) => r.action === "user_banned")?.detail).toEqual({ reason: "abuse" });
    const everything = JSON.stringify(rows);
    for (const secret of ["wrong secret", password, "another good password", cookie.split("=")[1]])
      expect(everything).not.toContain(secret);

    // Each person sees their own events; the admin's list filters by action and actor.
    const log = createAudit(handle.db, 365);
    const mine = await log.listForUser(memberId);
    expect(mine.events.map((e) => e.action)).toEqual(expect.arrayContaining(["sign_up", "user_banned"]));
    const bans = await log.listForAdmin({ action: "user_banned" });
    expect(bans.events).toHaveLength(1);
    expect((await log.listForAdmin({ actor: "nobody-like-this" })).events).toHaveLength(0);

    // Retention: rows older than AUDIT_RETENTION_DAYS go with the next write.
    await handle.db
      .update(auditEvent)
      .set({ at: new Date(Date.now() - 400 * 86_400_000) })
      .where(eq(auditEvent.action, "sign_out"));
    await createAudit(handle.db, 365).record({ action: "user_approved" });
    expect(await handle.db.select().from(auditEvent).where(eq(auditEvent.action, "sign_out"))).toHaveLength(0);
  });
});

describe.each(fresh)("admin actions (the /api/admin data layer) on $name", ({ open }) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await open();
    await handle.ready();
  });
  afterAll(() => handle.close());

  it("acts through better-auth's admin plugin and the audit log: ban, unban, roles, quota, approval, removal; the last admin stays; unknown ids are 404", async () => {
    const { auditEvent } = await import("@/db/schema");
    const { createAudit } = await import("@/lib/admin/audit");
    const { createAdminUsers } = await import("@/lib/admin/users");
    const auth = createAuth(handle.db, testEnv({ AUTH_RATE_LIMIT_MAX: "100000" }));
    const log = createAudit(handle.db, 365);
    const admins = createAdminUsers(handle.db, auth.api, log);
    const signUp = async (name: string) => {
      const email = uniqueEmail(name);
      const { headers, response } = await auth.api.signUpEmail({
        body: { name, email, password },
        returnHeaders: true,
      });
      return { id: response.user.id, email, cookie: cookieHeader(headers, "session_token") };
    };
    const owner = await signUp("owner");
    const member = await signUp("member");
    const headers = new Headers({
      cookie: owner.cookie,
      "user-agent": "AdminApiTest/1.0",
      "x-threadkeeper-client-address": "203.0.113.9",
    });
    const caller = { user: { id: owner.id, email: owner.email } as never, headers };

    const banned = await admins.ban(caller, member.id, {
      reason: "spam",
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    expect(banned).toMatchObject({ status: "banned", banReason: "spam" });
    expect(Date.parse(banned.banExpiresAt!) - Date.now()).toBeGreaterThan(86_000_000);
    expect(await handle.db.select().from(session).where(eq(session.userId, member.id))).toHaveLength(0);
    expect((await admins.unban(caller, member.id)).status).toBe("active");
    expect((await admins.setRole(caller, member.id, "admin")).role).toBe("admin");
    expect((await admins.setRole(caller, member.id, "user")).role).toBe("user");
    expect((await admins.setQuota(caller, member.id, 5000)).tokenQuota).toBe(5000);
    await expect(admins.approve(caller, member.id)).rejects.toMatchObject({ code: "bad_request" });
    await handle.db.update(user).set({ approvalStatus: "pending" }).where(eq(user.id, member.id));
    expect((await admins.approve(caller, member.id)).status).toBe("active");

    // The only admin: not demoted, not banned; unknown and malformed ids are "not found".
    await expect(admins.setRole(caller, owner.id, "user")).rejects.toMatchObject({ code: "last_admin", status: 409 });
    await expect(admins.ban(caller, owner.id, {})).rejects.toMatchObject({ status: expect.any(Number) });
    expect((await admins.get(owner.id)).role).toBe("admin");
    for (const id of ["no-such-user", "x".repeat(200), "' or 1=1 --"])
      await expect(admins.get(id)).rejects.toMatchObject({ code: "not_found" });

    await admins.revokeSessions(caller, member.id);
    await admins.remove(caller, member.id);
    await expect(admins.get(member.id)).rejects.toMatchObject({ code: "not_found" });

    // Every action is in the log, by the admin, from the request's address and agent.
    const rows = await handle.db.select().from(auditEvent);
    const actions = rows.filter((r) => r.actorId === owner.id && r.targetId === member.id).map((r) => r.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        "user_banned",
        "user_unbanned",
        "role_changed",
        "quota_changed",
        "user_approved",
        "user_sessions_revoked",
        "user_removed",
      ]),
    );
    expect(
      rows
        .filter((r) => r.actorId === owner.id && r.action !== "sign_up")
        .every((r) => r.address === "203.0.113.9" && r.userAgent === "AdminApiTest/1.0"),
    ).toBe(true);
  });

  it("the account list and the audit log page newest first by time and id, without gaps or repeats, with the cursors they always made", async () => {
    const { sql } = await import("drizzle-orm");
    const { auditEvent } = await import("@/db/schema");
    const { createAudit } = await import("@/lib/admin/audit");
    const { createAdminUsers } = await import("@/lib/admin/users");
    const log = createAudit(handle.db, 365);
    const admins = createAdminUsers(handle.db, createAuth(handle.db, testEnv()).api, log);
    const cursorOf = (at: string, id: string) => Buffer.from(JSON.stringify([at, id])).toString("base64url");
    const decoded = (cursor: string | null) =>
      JSON.parse(Buffer.from(cursor ?? "", "base64url").toString("utf8")) as [string, string];

    // Accounts made within one millisecond, two at the same microsecond: the cursor keeps the
    // database's microseconds, and the id orders a tie.
    const stamp = `pager-${process.pid}-${Date.now()}`;
    const times = ["04:05:06.789001", "04:05:06.789002", "04:05:06.789002", "04:05:06.789003", "04:05:06.788"];
    for (const [i, time] of times.entries()) {
      await handle.db.execute(
        sql`insert into ${user} (id, name, email, created_at, updated_at) values (${`${stamp}-${i}`}, 'P', ${`${stamp}-${i}@example.com`}, ${`2001-02-03 ${time}+00`}::timestamptz, now())`,
      );
    }
    const listed: string[] = [];
    const cursors: (string | null)[] = [];
    let after: string | undefined;
    do {
      const page = await admins.listUsers({ q: stamp, limit: 2, after });
      listed.push(...page.users.map((u) => u.id));
      cursors.push(page.nextCursor);
      after = page.nextCursor ?? undefined;
    } while (after);
    expect(listed).toEqual([3, 2, 1, 0, 4].map((i) => `${stamp}-${i}`));
    expect(cursors.map((c) => c && decoded(c)[1])).toEqual([`${stamp}-2`, `${stamp}-0`, null]);
    expect(new Date(decoded(cursors[0]).at(0)!).toISOString()).toBe("2001-02-03T04:05:06.789Z");
    expect(decoded(cursors[0])[0]).toMatch(/:06\.789002/);
    // A cursor made by hand in that format (an older page's link) reads the same.
    expect(
      (
        await admins.listUsers({
          q: stamp,
          limit: 10,
          after: cursorOf("2001-02-03T04:05:06.789002+00:00", `${stamp}-2`),
        })
      ).users.map((u) => u.id),
    ).toEqual([1, 0, 4].map((i) => `${stamp}-${i}`));

    // 25 events of one account, in five milliseconds: 20 a page on /account.
    const target = `${stamp}-audited`;
    await handle.db.insert(auditEvent).values(
      Array.from({ length: 25 }, (_, i) => ({
        action: "sign_in",
        outcome: "success" as const,
        targetId: target,
        at: new Date(Date.UTC(2001, 1, 3, 4, 5, 6, i % 5)),
      })),
    );
    const first = await log.listForUser(target);
    expect(first.events).toHaveLength(20);
    const last = first.events.at(-1)!;
    expect(first.nextCursor).toBe(cursorOf(last.at, last.id));
    const second = await log.listForUser(target, first.nextCursor!);
    expect(second).toMatchObject({ nextCursor: null });
    const events = [...first.events, ...second.events];
    expect(new Set(events.map((e) => e.id)).size).toBe(25);
    for (let i = 1; i < events.length; i++) {
      const [a, b] = [events[i - 1]!, events[i]!];
      expect(a.at > b.at || (a.at === b.at && a.id > b.id)).toBe(true);
    }
    // Anything but a cursor of the log starts at the first page.
    expect((await log.listForUser(target, "garbage")).events.map((e) => e.id)).toEqual(first.events.map((e) => e.id));
  });
});
