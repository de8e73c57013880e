import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuth } from "@/auth";
import type { DatabaseHandle } from "@/db/connect";
import {
  auditEvent,
  message,
  thread,
  usageMonth,
  user,
  workspace,
  workspaceMember,
  workspaceUsageMonth,
  type WorkspaceRole,
} from "@/db/schema";
import { createAudit } from "@/lib/admin/audit";
import { createUsage } from "@/lib/chat/usage";
import { createWorkspaceActions } from "@/lib/workspaces/actions";
import { createWorkspaceCreationPolicy, readWorkspaceCreationDefault } from "@/lib/workspaces/creation-policy";
import { createWorkspaceStore } from "@/lib/workspaces/workspaces";
import { cookieHeader } from "../support/cookies";
import { engines, testEnv } from "../support/databases";
import { uniqueEmail } from "../support/unique-email";

const thisMonth = () => new Date().toISOString().slice(0, 7);

describe.each(engines)("workspace usage, quota and events on $name", ({ name: engine, open }) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = open();
    await handle.ready();
  });
  afterAll(() => handle.close());

  async function person(name: string) {
    const id = randomUUID();
    const email = uniqueEmail(name.toLowerCase());
    await handle.db.insert(user).values({ id, name, email });
    return { id, email };
  }

  /** A workspace with these members (the first is its owner), written as the plugin would. */
  async function space(members: [string, WorkspaceRole][], tokenQuota: number | null = null) {
    const id = randomUUID().replaceAll("-", "");
    await handle.db.insert(workspace).values({ id, name: `Space ${id.slice(0, 6)}`, slug: `s-${id}`, tokenQuota });
    await handle.db
      .insert(workspaceMember)
      .values(members.map(([userId, role]) => ({ id: randomUUID(), organizationId: id, userId, role })));
    return id;
  }

  /** A thread of `userId` (in `workspaceId`, or personal) with one stored reply, `r1`. */
  async function threadWithReply(userId: string, workspaceId: string | null) {
    const [t] = await handle.db.insert(thread).values({ userId, workspaceId }).returning({ id: thread.id });
    await handle.db.insert(message).values({
      threadId: t.id,
      id: "r1",
      role: "assistant",
      format: "ai-sdk/v6",
      content: { role: "assistant", parts: [] },
    });
    return t.id;
  }

  const personalMonth = (userId: string) =>
    handle.db
      .select({ messages: usageMonth.messages, input: usageMonth.inputTokens, output: usageMonth.outputTokens })
      .from(usageMonth)
      .where(eq(usageMonth.userId, userId));
  const workspaceMonth = (workspaceId: string) =>
    handle.db
      .select({
        userId: workspaceUsageMonth.userId,
        messages: workspaceUsageMonth.messages,
        input: workspaceUsageMonth.inputTokens,
        output: workspaceUsageMonth.outputTokens,
      })
      .from(workspaceUsageMonth)
      .where(eq(workspaceUsageMonth.workspaceId, workspaceId));

  it("a reply in a workspace thread counts in both ledgers, a personal one only in the person's; a title counts its tokens as no message", async () => {
    const ann = await person("Ann");
    const ws = await space([[ann.id, "owner"]]);
    const usage = createUsage(handle.db, null);

    const inSpace = await threadWithReply(ann.id, ws);
    await usage.recordReplyForUser(ann.id, inSpace, "r1", "m-1", { inputTokens: 40, outputTokens: 30 });
    expect(await workspaceMonth(ws)).toEqual([{ userId: ann.id, messages: 1, input: 40, output: 30 }]);
    expect(await personalMonth(ann.id)).toEqual([{ messages: 1, input: 40, output: 30 }]);

    const personal = await threadWithReply(ann.id, null);
    await usage.recordReplyForUser(ann.id, personal, "r1", "m-1", { inputTokens: 5, outputTokens: 5 });
    expect(await personalMonth(ann.id)).toEqual([{ messages: 2, input: 45, output: 35 }]);
    expect(await workspaceMonth(ws)).toEqual([{ userId: ann.id, messages: 1, input: 40, output: 30 }]);

    // The title of the workspace thread: tokens in both months, no message.
    await usage.recordCallForUser(ann.id, "m-1", { inputTokens: 2, outputTokens: 1 }, inSpace);
    expect(await workspaceMonth(ws)).toEqual([{ userId: ann.id, messages: 1, input: 42, output: 31 }]);
    expect(await personalMonth(ann.id)).toEqual([{ messages: 2, input: 47, output: 36 }]);
    // A personal thread's title, and a call with no thread: the person's month only.
    await usage.recordCallForUser(ann.id, "m-1", { inputTokens: 1, outputTokens: 1 }, personal);
    await usage.recordCallForUser(ann.id, "m-1", { inputTokens: 1, outputTokens: 1 });
    expect(await personalMonth(ann.id)).toEqual([{ messages: 2, input: 49, output: 38 }]);
    expect(await workspaceMonth(ws)).toEqual([{ userId: ann.id, messages: 1, input: 42, output: 31 }]);
  });

  it("someone else's workspace thread adds nothing to its workspace, for a reply or a title", async () => {
    const [ann, bob] = [await person("Ann"), await person("Bob")];
    const ws = await space([
      [ann.id, "owner"],
      [bob.id, "member"],
    ]);
    const annsThread = await threadWithReply(ann.id, ws);
    const usage = createUsage(handle.db, null);
    await usage.recordReplyForUser(bob.id, annsThread, "r1", "m", { inputTokens: 10, outputTokens: 10 });
    await usage.recordCallForUser(bob.id, "m", { inputTokens: 3, outputTokens: 3 }, annsThread);
    expect(await workspaceMonth(ws)).toEqual([]);
    // Bob's own title call still counts in his month (it was his model call).
    expect(await personalMonth(bob.id)).toEqual([{ messages: 0, input: 3, output: 3 }]);
  });

  it("a workspace's quota stops its threads before the model is called, for every member; other workspaces and the personal space go on", async () => {
    const [ann, bob] = [await person("Ann"), await person("Bob")];
    const ws = await space(
      [
        [ann.id, "owner"],
        [bob.id, "member"],
      ],
      100,
    );
    const other = await space([[ann.id, "owner"]], 100);
    const usage = createUsage(handle.db, null);
    const annsThread = await threadWithReply(ann.id, ws);
    const bobsThread = await threadWithReply(bob.id, ws);
    const otherThread = await threadWithReply(ann.id, other);
    const personal = await threadWithReply(ann.id, null);

    await usage.recordReplyForUser(ann.id, annsThread, "r1", "m", { inputTokens: 60, outputTokens: 39 });
    await expect(usage.assertWithinQuotaForUser(bob.id, null, bobsThread)).resolves.toBeUndefined();
    await usage.recordCallForUser(bob.id, "m", { inputTokens: 1, outputTokens: 0 }, bobsThread);

    // 100 of 100: both members are stopped in this workspace, with when it resets.
    for (const [userId, threadId] of [
      [ann.id, annsThread],
      [bob.id, bobsThread],
    ]) {
      const refused = await usage.assertWithinQuotaForUser(userId, null, threadId).then(
        () => null,
        (e: unknown) => e,
      );
      expect(refused).toMatchObject({
        code: "quota_exceeded",
        status: 429,
        message: expect.stringMatching(
          /workspace "Space \w+" has used its quota of 100 tokens.*resets on \d{4}-\d{2}-01/,
        ),
      });
      expect(Number((refused as { headers: Record<string, string> }).headers["Retry-After"])).toBeGreaterThan(0);
    }
    await expect(usage.assertWithinQuotaForUser(ann.id, null, otherThread)).resolves.toBeUndefined();
    await expect(usage.assertWithinQuotaForUser(ann.id, null, personal)).resolves.toBeUndefined();
    // A thread that is not the caller's reads no workspace (its own route answers 404 next).
    await expect(usage.assertWithinQuotaForUser(bob.id, null, annsThread)).resolves.toBeUndefined();
    // The person's own quota is checked first and says so.
    await expect(usage.assertWithinQuotaForUser(ann.id, 50, personal)).rejects.toMatchObject({
      message: /You have used your 50 tokens/,
    });
    // Raised (or removed) by an owner: the workspace's threads go on.
    await handle.db.update(workspace).set({ tokenQuota: null }).where(eq(workspace.id, ws));
    await expect(usage.assertWithinQuotaForUser(ann.id, null, annsThread)).resolves.toBeUndefined();
  });

  it("usage: owners and admins see each member's counts, the quota and what was used (former members' too); members and outsiders get nothing", async () => {
    const [ann, bob, cid, dee, eve] = [
      await person("Ann"),
      await person("Bob"),
      await person("Cid"),
      await person("Dee"),
      await person("Eve"),
    ];
    const ws = await space(
      [
        [ann.id, "owner"],
        [bob.id, "admin"],
        [cid.id, "member"],
        [dee.id, "member"],
      ],
      5000,
    );
    const usage = createUsage(handle.db, null);
    await usage.recordReplyForUser(cid.id, await threadWithReply(cid.id, ws), "r1", "m", {
      inputTokens: 100,
      outputTokens: 20,
    });
    await usage.recordReplyForUser(dee.id, await threadWithReply(dee.id, ws), "r1", "m", {
      inputTokens: 7,
      outputTokens: 3,
    });
    // Dee leaves: her tokens still count in the workspace's month, and she is no longer listed.
    await handle.db
      .delete(workspaceMember)
      .where(and(eq(workspaceMember.organizationId, ws), eq(workspaceMember.userId, dee.id)));

    const store = createWorkspaceStore(handle.db);
    const expected = {
      month: thisMonth(),
      quota: 5000,
      used: 130,
      members: [
        { userId: ann.id, name: "Ann", messages: 0, tokens: 0 },
        { userId: bob.id, name: "Bob", messages: 0, tokens: 0 },
        { userId: cid.id, name: "Cid", messages: 1, tokens: 120 },
      ],
    };
    expect(await store.usageForManager(ann.id, ws)).toEqual(expected);
    expect(await store.usageForManager(bob.id, ws)).toEqual(expected);
    expect(await store.usageForManager(cid.id, ws)).toBeNull();
    expect(await store.usageForManager(dee.id, ws)).toBeNull();
    expect(await store.usageForManager(eve.id, ws)).toBeNull();
    expect(await store.usageForManager(ann.id, "no-such-workspace")).toBeNull();
  });

  it("events: owners and admins read the workspace's own events (without addresses), newest first and paged; members and outsiders none", async () => {
    const [ann, bob, cid, eve] = [await person("Ann"), await person("Bob"), await person("Cid"), await person("Eve")];
    const ws = await space([
      [ann.id, "owner"],
      [bob.id, "admin"],
      [cid.id, "member"],
    ]);
    const elsewhere = await space([[eve.id, "owner"]]);
    const audit = createAudit(handle.db);
    const origin = { address: "203.0.113.9", userAgent: "Secret Browser/1.0" };
    // A millisecond apart, so newest first is one order (rows written in the same millisecond tie on `at`).
    const start = Date.now() - 60_000;
    await handle.db.insert(auditEvent).values(
      Array.from({ length: 52 }, (_, i) => ({
        at: new Date(start + i),
        action: "workspace_renamed",
        outcome: "success" as const,
        actorId: ann.id,
        actorEmail: ann.email,
        detail: { from: `n${i}`, to: `n${i + 1}` },
        workspaceId: ws,
        ...origin,
      })),
    );
    await audit.record({ action: "workspace_renamed", actor: eve, workspaceId: elsewhere, ...origin });
    await audit.record({ action: "sign_in", actor: ann, ...origin });

    for (const viewer of [ann, bob]) {
      const first = await audit.listForWorkspaceManager(viewer.id, ws);
      expect(first.events).toHaveLength(50);
      expect(first.events[0]).toEqual({
        id: expect.any(String),
        at: expect.any(String),
        action: "workspace_renamed",
        outcome: "success",
        actorEmail: ann.email,
        targetEmail: null,
        detail: { from: "n51", to: "n52" },
      });
      expect(JSON.stringify(first)).not.toMatch(/203\.0\.113\.9|Secret Browser/);
      const second = await audit.listForWorkspaceManager(viewer.id, ws, first.nextCursor!);
      expect(second.events.map((e) => e.detail?.from)).toEqual(["n1", "n0"]);
      expect(second.nextCursor).toBeNull();
    }
    for (const viewer of [cid, eve])
      expect(await audit.listForWorkspaceManager(viewer.id, ws)).toEqual({ events: [], nextCursor: null });
    // The instance's admin log names the workspace of each of its events.
    const forAdmin = await audit.listForAdmin({ action: "workspace_renamed", actor: ann.email });
    expect(forAdmin.events[0]).toMatchObject({ workspace: expect.stringMatching(/^Space /), address: "203.0.113.9" });
  });

  it("an instance admin's overview: members and this month's totals per workspace, never a thread", async () => {
    const [ann, bob] = [await person("Ann"), await person("Bob")];
    const ws = await space([
      [ann.id, "owner"],
      [bob.id, "member"],
    ]);
    const usage = createUsage(handle.db, null);
    const t = await threadWithReply(bob.id, ws);
    await handle.db.update(thread).set({ title: "Private plans" }).where(eq(thread.id, t));
    await usage.recordReplyForUser(bob.id, t, "r1", "m", { inputTokens: 11, outputTokens: 4 });
    const rows = await createWorkspaceStore(handle.db).overviewForAdmin();
    const row = rows.find((r) => r.id === ws);
    expect(row).toEqual({
      id: ws,
      name: expect.stringMatching(/^Space /),
      slug: `s-${ws}`,
      members: 2,
      messages: 1,
      tokens: 15,
      createdAt: expect.any(Date),
    });
    expect(JSON.stringify(rows)).not.toContain("Private plans");
    expect(JSON.stringify(rows)).not.toContain(t);
  });

  it("workspace creation: admins only refuses a user's workspace (403) and lets an admin make one; an admin's choice wins over WORKSPACE_CREATION until reset", async () => {
    expect(readWorkspaceCreationDefault({})).toBe("everyone");
    expect(() => readWorkspaceCreationDefault({ WORKSPACE_CREATION: "anyone" })).toThrow(/WORKSPACE_CREATION/);
    // Through the environment: the policy better-auth's plugin asks (the same one POST /api/workspaces goes through).
    const auth = createAuth(handle.db, testEnv({ WORKSPACE_CREATION: "admins" }));
    const audit = createAudit(handle.db);
    const actions = createWorkspaceActions(handle.db, auth.api, audit, async (token, workspaceId) =>
      (await auth.$context).internalAdapter.updateSession(token, { activeOrganizationId: workspaceId }),
    );
    const signedUp = async (label: string, role?: "admin") => {
      const email = uniqueEmail(label);
      const { headers } = await auth.api.signUpEmail({
        body: { name: label, email, password: "correct horse" },
        returnHeaders: true,
      });
      await handle.db
        .update(user)
        .set({ emailVerified: true, ...(role && { role }) })
        .where(eq(user.email, email));
      const cookie = new Headers({ cookie: cookieHeader(headers, "session_token") });
      const current = await auth.api.getSession({ headers: cookie, query: { disableCookieCache: true } });
      return { user: current!.user, headers: cookie };
    };
    const plain = await signedUp("creator");
    const admin = await signedUp("creator-admin", "admin");
    const slug = () => `c-${randomUUID().slice(0, 8)}`;
    await expect(actions.create(plain, { name: "Nope", slug: slug() })).rejects.toMatchObject({
      code: "forbidden",
      status: 403,
    });
    await expect(actions.create(admin, { name: "Admins' space", slug: slug() })).resolves.toMatchObject({
      role: "owner",
    });

    // The stored choice is the one instance setting of the database: changed only on the
    // per-test PGlite, as the PostgreSQL server is shared with the other test files running at once.
    if (engine !== "pglite") return;
    const policy = createWorkspaceCreationPolicy(handle.db, "admins");
    expect(await policy.current()).toEqual({ mode: "admins", source: "environment" });
    await policy.setByAdmin(admin.user.id, "everyone");
    expect(await policy.current()).toEqual({ mode: "everyone", source: "admin" });
    await expect(actions.create(plain, { name: "Now allowed", slug: slug() })).resolves.toMatchObject({
      role: "owner",
    });
    expect(await policy.mayCreate({ role: "user" })).toBe(true);
    await policy.setByAdmin(admin.user.id, null);
    expect(await policy.current()).toEqual({ mode: "admins", source: "environment" });
    expect(await policy.mayCreate({ role: "user" })).toBe(false);
    expect(await policy.mayCreate({ role: "admin" })).toBe(true);
  });
});
