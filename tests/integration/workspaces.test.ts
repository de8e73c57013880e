import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuth } from "@/auth";
import type { DatabaseHandle } from "@/db/connect";
import { session, user, workspaceInvitation, workspaceMember } from "@/db/schema";
import { createAudit } from "@/lib/admin/audit";
import { createThreadStore } from "@/lib/chat/threads";
import { createWorkspaceActions, type WorkspaceActor } from "@/lib/workspaces/actions";
import { createWorkspaceStore } from "@/lib/workspaces/workspaces";
import { cookieHeader } from "../support/cookies";
import { engines, testEnv } from "../support/databases";
import { uniqueEmail } from "../support/unique-email";

const appendText = (id: string, parentId: string | null, text: string, role: "user" | "assistant" = "user") => ({
  id,
  parentId,
  role,
  format: "ai-sdk/v6",
  content: { role, parts: [{ type: "text", text }] },
  status: "complete" as const,
});

describe.each(engines)("workspaces on $name", ({ open }) => {
  let handle: DatabaseHandle;
  let auth: ReturnType<typeof createAuth>;
  let actions: ReturnType<typeof createWorkspaceActions>;
  let store: ReturnType<typeof createWorkspaceStore>;
  let threads: ReturnType<typeof createThreadStore>;

  /** A signed-up, verified person, acting with their own session's headers. */
  async function person(
    name: string,
  ): Promise<WorkspaceActor & { email: string; session: { token: string; activeOrganizationId?: string | null } }> {
    const email = uniqueEmail(name.toLowerCase());
    const { headers } = await auth.api.signUpEmail({
      body: { name, email, password: "correct horse" },
      returnHeaders: true,
    });
    await handle.db.update(user).set({ emailVerified: true }).where(eq(user.email, email));
    const cookie = new Headers({ cookie: cookieHeader(headers, "session_token") });
    const current = await auth.api.getSession({ headers: cookie });
    return { user: current!.user, session: current!.session, headers: cookie, email };
  }

  const slug = (label: string) => `${label}-${Math.random().toString(36).slice(2, 8)}`;

  beforeAll(async () => {
    handle = open();
    await handle.ready();
    auth = createAuth(handle.db, testEnv());
    actions = createWorkspaceActions(handle.db, auth.api, createAudit(handle.db), async (token, workspaceId) =>
      (await auth.$context).internalAdapter.updateSession(token, { activeOrganizationId: workspaceId }),
    );
    store = createWorkspaceStore(handle.db);
    threads = createThreadStore(handle.db);
  });
  afterAll(() => handle.close());

  /** Alice owns a workspace Bob is a member of; Carol is in none of it. */
  async function team() {
    const [alice, bob, carol] = [await person("Alice"), await person("Bob"), await person("Carol")];
    const workspace = await actions.create(alice, { name: "Acme", slug: slug("acme") });
    const invitation = await actions.invite(alice, workspace.id, { email: bob.email, role: "member", days: 7 });
    await actions.accept(bob, invitation.id);
    return { alice, bob, carol, workspace };
  }

  it("a workspace thread is private until its author shares it, and read-only for the members it is shared with", async () => {
    const { alice, bob, carol, workspace } = await team();
    const t = await threads.createThreadForUser(alice.user.id, { title: "Launch plan", workspaceId: workspace.id });
    await threads.saveMessageForUser(alice.user.id, t.id, appendText("m1", null, "first draft"), "keep");

    expect(await threads.getThreadForUser(bob.user.id, t.id)).toBeNull();
    expect(await threads.messagesJsonForUser(bob.user.id, t.id)).toBeNull();
    expect((await threads.listSharedThreadsForUser(bob.user.id, workspace.id, { limit: 10 })).threads).toEqual([]);
    expect(await threads.searchThreadsForUser(bob.user.id, "launch", { workspaceId: workspace.id })).toEqual([]);

    expect(await threads.setSharedForUser(alice.user.id, t.id, true)).toMatchObject({ id: t.id });
    expect(await threads.getThreadForUser(bob.user.id, t.id)).toMatchObject({ own: false, authorName: "Alice" });
    expect(JSON.parse((await threads.messagesJsonForUser(bob.user.id, t.id))!).messages).toHaveLength(1);
    expect((await threads.listSharedThreadsForUser(bob.user.id, workspace.id, { limit: 10 })).threads).toHaveLength(1);
    expect(await threads.searchThreadsForUser(bob.user.id, "draft", { workspaceId: workspace.id })).toHaveLength(1);
    // Carol is in no workspace of theirs; a reader cannot write, rename or delete.
    expect(await threads.getThreadForUser(carol.user.id, t.id)).toBeNull();
    expect(await threads.updateThreadForUser(bob.user.id, t.id, { title: "mine now" })).toBeNull();
    expect(await threads.deleteThreadForUser(bob.user.id, t.id)).toBe(false);
    expect(await threads.saveMessageForUser(bob.user.id, t.id, appendText("m2", "m1", "hi"), "keep")).toBeNull();
    expect(await threads.setSharedForUser(bob.user.id, t.id, false)).toBeNull();

    expect(await threads.setSharedForUser(alice.user.id, t.id, false)).toMatchObject({ id: t.id });
    expect(await threads.getThreadForUser(bob.user.id, t.id)).toBeNull();
  });

  it("a reader sees the shared branch only: the author's earlier versions stay private", async () => {
    const { alice, bob, workspace } = await team();
    const t = await threads.createThreadForUser(alice.user.id, { workspaceId: workspace.id });
    await threads.saveMessageForUser(alice.user.id, t.id, appendText("q1", null, "secret first attempt"), "keep");
    await threads.saveMessageForUser(alice.user.id, t.id, appendText("q2", null, "edited question"), "keep");
    await threads.saveMessageForUser(alice.user.id, t.id, appendText("a2", "q2", "answer", "assistant"), "keep");
    await threads.setSharedForUser(alice.user.id, t.id, true);
    const seen = JSON.parse((await threads.messagesJsonForUser(bob.user.id, t.id))!).messages.map(
      (m: { id: string }) => m.id,
    );
    expect(seen).toEqual(["q2", "a2"]);
    expect(JSON.parse((await threads.messagesJsonForUser(alice.user.id, t.id))!).messages).toHaveLength(3);
    expect(await threads.searchThreadsForUser(bob.user.id, "secret", { workspaceId: workspace.id })).toEqual([]);
    expect(await threads.searchThreadsForUser(alice.user.id, "secret", { workspaceId: workspace.id })).toHaveLength(1);
  });

  it("owners and admins never see a private thread; a removed member's shared threads stop being shared", async () => {
    const { alice, bob, workspace } = await team();
    const bobs = await threads.createThreadForUser(bob.user.id, { title: "Bob's notes", workspaceId: workspace.id });
    expect(await threads.getThreadForUser(alice.user.id, bobs.id)).toBeNull();
    expect(await threads.searchThreadsForUser(alice.user.id, "notes", { workspaceId: workspace.id })).toEqual([]);
    await threads.setSharedForUser(bob.user.id, bobs.id, true);
    expect(await threads.getThreadForUser(alice.user.id, bobs.id)).toMatchObject({ own: false });

    const [bobMember] = await handle.db
      .select({ id: workspaceMember.id })
      .from(workspaceMember)
      .where(eq(workspaceMember.userId, bob.user.id));
    await actions.removeMember(alice, workspace.id, bobMember.id);
    expect(await threads.getThreadForUser(alice.user.id, bobs.id)).toBeNull();
    expect(await threads.getThreadForUser(bob.user.id, bobs.id)).toMatchObject({
      own: true,
      sharedAt: null,
      workspaceId: null,
    });
    const personal = await threads.listThreadsForUser(bob.user.id, { status: "regular", limit: 10 });
    expect(personal.threads.map((t) => t.id)).toEqual([bobs.id]);
    expect(await store.membershipForUser(bob.user.id, { id: workspace.id })).toBeNull();
    // Bob can no longer start threads there.
    await expect(threads.createThreadForUser(bob.user.id, { workspaceId: workspace.id })).rejects.toMatchObject({
      code: "not_found",
    });
  });

  it("the last owner can neither leave nor step down, even when two owners leave at once", async () => {
    const { alice, bob, workspace } = await team();
    await expect(actions.leave(alice, workspace.id)).rejects.toMatchObject({ code: "last_owner" });
    const [aliceMember] = await handle.db
      .select({ id: workspaceMember.id })
      .from(workspaceMember)
      .where(eq(workspaceMember.userId, alice.user.id));
    await expect(actions.changeRole(alice, workspace.id, aliceMember.id, "member")).rejects.toMatchObject({
      code: "last_owner",
    });
    const [bobMember] = await handle.db
      .select({ id: workspaceMember.id })
      .from(workspaceMember)
      .where(eq(workspaceMember.userId, bob.user.id));
    await actions.changeRole(alice, workspace.id, bobMember.id, "owner");
    const results = await Promise.allSettled([actions.leave(alice, workspace.id), actions.leave(bob, workspace.id)]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const owners = await handle.db.execute(
      sql`select count(*)::int as n from workspace_member where workspace_id = ${workspace.id} and role = 'owner'`,
    );
    expect((owners as unknown as { rows: { n: number }[] }).rows[0].n).toBe(1);
  });

  it("invitations: the wrong address, an unverified one, a revoked, an expired and a used one are refused; two acceptances at once make one member", async () => {
    const { alice, workspace } = await team();
    const [dan, eve] = [await person("Dan"), await person("Eve")];
    const forDan = await actions.invite(alice, workspace.id, { email: dan.email, role: "admin", days: 1 });
    await expect(actions.accept(eve, forDan.id)).rejects.toMatchObject({ code: "forbidden" });

    await handle.db.update(user).set({ emailVerified: false }).where(eq(user.id, dan.user.id));
    const unverified = { ...dan, user: { ...dan.user, emailVerified: false } };
    await expect(actions.accept(unverified, forDan.id)).rejects.toMatchObject({ code: "email_not_verified" });
    await handle.db.update(user).set({ emailVerified: true }).where(eq(user.id, dan.user.id));

    const both = await Promise.allSettled([actions.accept(dan, forDan.id), actions.accept(dan, forDan.id)]);
    expect(both.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const members = await handle.db
      .select({ role: workspaceMember.role })
      .from(workspaceMember)
      .where(eq(workspaceMember.userId, dan.user.id));
    expect(members).toEqual([{ role: "admin" }]);
    await expect(actions.accept(dan, forDan.id)).rejects.toMatchObject({ code: "invitation_unavailable" });

    const forEve = await actions.invite(alice, workspace.id, { email: eve.email, role: "member", days: 1 });
    await actions.revokeInvitation(alice, workspace.id, forEve.id);
    await expect(actions.accept(eve, forEve.id)).rejects.toMatchObject({ code: "invitation_unavailable" });

    const again = await actions.invite(alice, workspace.id, { email: eve.email, role: "member", days: 1 });
    await handle.db
      .update(workspaceInvitation)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(workspaceInvitation.id, again.id));
    await expect(actions.accept(eve, again.id)).rejects.toMatchObject({ code: "invitation_unavailable" });
    expect(await store.membershipForUser(eve.user.id, { id: workspace.id })).toBeNull();
  });

  it("deleting a workspace moves its threads to their authors' personal spaces, unshared", async () => {
    const { alice, bob, workspace } = await team();
    const shared = await threads.createThreadForUser(bob.user.id, { title: "shared one", workspaceId: workspace.id });
    await threads.setSharedForUser(bob.user.id, shared.id, true);
    await actions.switchTo(bob, workspace.id);
    await expect(actions.remove(bob, workspace.id)).rejects.toMatchObject({ code: "forbidden" });
    await actions.remove(alice, workspace.id);
    expect(await threads.getOwnThreadForUser(bob.user.id, shared.id)).toMatchObject({
      workspaceId: null,
      sharedAt: null,
    });
    expect(await threads.getThreadForUser(alice.user.id, shared.id)).toBeNull();
    const personal = await threads.listThreadsForUser(bob.user.id, { status: "regular", limit: 10 });
    expect(personal.threads.map((t) => t.id)).toContain(shared.id);
    const sessions = await handle.db
      .select({ active: session.activeOrganizationId })
      .from(session)
      .where(eq(session.userId, bob.user.id));
    expect(sessions.every((s) => s.active === null)).toBe(true);
  });

  it("deleting the last owner's account hands the workspace to its longest-standing admin, or deletes an empty one", async () => {
    const { alice, bob, workspace } = await team();
    const solo = await actions.create(alice, { name: "Solo", slug: slug("solo") });
    await (await auth.$context).internalAdapter.deleteUser(alice.user.id);
    const members = await handle.db
      .select({ userId: workspaceMember.userId, role: workspaceMember.role })
      .from(workspaceMember)
      .where(eq(workspaceMember.organizationId, workspace.id));
    expect(members).toEqual([{ userId: bob.user.id, role: "owner" }]);
    expect(await store.membershipForUser(bob.user.id, { id: solo.id })).toBeNull();
    const gone = await handle.db.execute(sql`select count(*)::int as n from workspace where id = ${solo.id}`);
    expect((gone as unknown as { rows: { n: number }[] }).rows[0].n).toBe(0);
  });

  it("a non-member hears exactly what a missing workspace gets from every action; one slug taken twice at once is one 409", async () => {
    const { alice, bob, carol, workspace } = await team();
    const [bobMember] = await handle.db
      .select({ id: workspaceMember.id })
      .from(workspaceMember)
      .where(eq(workspaceMember.userId, bob.user.id));
    const missing = "x".repeat(32);
    const invitation = await actions.invite(alice, workspace.id, {
      email: uniqueEmail("later"),
      role: "member",
      days: 1,
    });
    for (const id of [workspace.id, missing]) {
      for (const attempt of [
        () => actions.rename(carol, id, "mine"),
        () => actions.setQuota(carol, id, 1),
        () => actions.remove(carol, id),
        () => actions.invite(carol, id, { email: carol.email, role: "owner", days: 1 }),
        () => actions.revokeInvitation(carol, id, invitation.id),
        () => actions.removeMember(carol, id, bobMember.id),
        () => actions.changeRole(carol, id, bobMember.id, "owner"),
        () => actions.leave(carol, id),
        () => actions.switchTo(carol, id),
      ]) {
        await expect(attempt()).rejects.toMatchObject({ code: "not_found", message: "Workspace not found." });
      }
    }
    expect(await store.detailsForMember(alice.user.id, workspace.id)).toMatchObject({
      workspace: { name: "Acme", tokenQuota: null },
      members: [{ role: "owner" }, { role: "member" }],
    });

    // A member holding a second pending invitation (one made before they joined) hears so, and it stays pending.
    const leftOver = `leftover${Math.random().toString(36).slice(2).padEnd(16, "0")}`;
    await handle.db.insert(workspaceInvitation).values({
      id: leftOver,
      organizationId: workspace.id,
      email: bob.email.toLowerCase(),
      role: "admin",
      expiresAt: new Date(Date.now() + 86_400_000),
      inviterId: alice.user.id,
    });
    await expect(actions.accept(bob, leftOver)).rejects.toMatchObject({ code: "conflict" });
    expect(await store.membershipForUser(bob.user.id, { id: workspace.id })).toMatchObject({ role: "member" });

    const taken = slug("race");
    const both = await Promise.allSettled([
      actions.create(alice, { name: "One", slug: taken }),
      actions.create(carol, { name: "Two", slug: taken }),
    ]);
    expect(both.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(both.find((r) => r.status === "rejected")).toMatchObject({ reason: { code: "conflict" } });
  });

  it("two owners deleting their accounts at the same moment leave the workspace an owner: the longest-standing admin", async () => {
    const { alice, bob, workspace } = await team();
    const [dan, eve] = [await person("Dan"), await person("Eve")];
    for (const [who, role] of [
      [dan, "admin"],
      [eve, "member"],
    ] as const)
      await actions.accept(who, (await actions.invite(alice, workspace.id, { email: who.email, role, days: 1 })).id);
    const [bobMember] = await handle.db
      .select({ id: workspaceMember.id })
      .from(workspaceMember)
      .where(eq(workspaceMember.userId, bob.user.id));
    await actions.changeRole(alice, workspace.id, bobMember.id, "owner");
    const context = await auth.$context;
    await Promise.all([alice, bob].map((p) => context.internalAdapter.deleteUser(p.user.id)));
    const members = await handle.db
      .select({ userId: workspaceMember.userId, role: workspaceMember.role })
      .from(workspaceMember)
      .where(eq(workspaceMember.organizationId, workspace.id))
      .orderBy(workspaceMember.role);
    expect(members).toEqual([
      { userId: eve.user.id, role: "member" },
      { userId: dan.user.id, role: "owner" },
    ]);
  });

  it("an invitation speaks for its inviter as they are now: removed or demoted, their pending invitations are revoked", async () => {
    const { alice, bob, workspace } = await team();
    const [bobMember] = await handle.db
      .select({ id: workspaceMember.id })
      .from(workspaceMember)
      .where(eq(workspaceMember.userId, bob.user.id));
    await actions.changeRole(alice, workspace.id, bobMember.id, "admin");
    const [dan, eve] = [await person("Dan"), await person("Eve")];
    const forDan = await actions.invite(bob, workspace.id, { email: dan.email, role: "admin", days: 1 });
    await actions.changeRole(alice, workspace.id, bobMember.id, "member");
    await expect(actions.accept(dan, forDan.id)).rejects.toMatchObject({ code: "invitation_unavailable" });
    await actions.changeRole(alice, workspace.id, bobMember.id, "admin");
    const forEve = await actions.invite(bob, workspace.id, { email: eve.email, role: "member", days: 1 });
    await actions.removeMember(alice, workspace.id, bobMember.id);
    await expect(actions.accept(eve, forEve.id)).rejects.toMatchObject({ code: "invitation_unavailable" });
    expect(await store.membershipForUser(dan.user.id, { id: workspace.id })).toBeNull();
    expect(await store.membershipForUser(eve.user.id, { id: workspace.id })).toBeNull();
  });

  it("switching to a workspace one is not a member of is refused", async () => {
    const { workspace, carol } = await team();
    await expect(actions.switchTo(carol, workspace.id)).rejects.toMatchObject({ code: "not_found" });
    const rows = await handle.db
      .select({ active: session.activeOrganizationId })
      .from(session)
      .where(eq(session.userId, carol.user.id));
    expect(rows.every((r) => r.active === null)).toBe(true);
  });
});
