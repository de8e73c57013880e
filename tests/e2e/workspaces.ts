import { randomBytes } from "node:crypto";
import { expect, type APIRequestContext } from "@playwright/test";
import { withDb } from "./db";

/**
 * Workspaces for API-level tests, made directly in the test server's database: a `workspace` row
 * and `workspace_member` rows with ids made here (the shape better-auth gives them: 32 letters and
 * digits), with no invitation, email or verification in between. For tests of what happens inside
 * a workspace (sharing, isolation) rather than of how people join one.
 *
 *   const team = await createWorkspace([{ userId: alice.userId, role: "owner" }, { userId: bob.userId }]);
 *   await activateWorkspace(alice, team.id); // her requests now work in that space
 *
 * A person's active space is their session's (session.active_workspace_id); changing it in SQL
 * reaches the app's session cache through its change notices, so activateWorkspace waits until
 * GET /api/threads answers for the new space.
 */

export type WorkspaceRole = "owner" | "admin" | "member";
export type TestWorkspace = { id: string; name: string; slug: string };

const newId = () => randomBytes(24).toString("base64url").replace(/[-_]/g, "x").slice(0, 32);

/** A workspace with these members (role "member" unless given); the first should be its owner. */
export async function createWorkspace(
  members: { userId: string; role?: WorkspaceRole }[],
  name = "Test workspace",
): Promise<TestWorkspace> {
  const id = newId();
  const slug = `t-${id.toLowerCase().slice(0, 20)}`;
  await withDb(async (client) => {
    await client.query(`insert into workspace (id, name, slug) values ($1, $2, $3)`, [id, name, slug]);
    for (const m of members) await addMember(id, m.userId, m.role, client);
  });
  return { id, name, slug };
}

/** One more member (a second call for the same person fails: one membership per workspace). */
export async function addMember(
  workspaceId: string,
  userId: string,
  role: WorkspaceRole = "member",
  client?: import("pg").Client,
): Promise<string> {
  const id = newId();
  const insert = (c: import("pg").Client) =>
    c.query(`insert into workspace_member (id, workspace_id, user_id, role) values ($1, $2, $3, $4)`, [
      id,
      workspaceId,
      userId,
      role,
    ]);
  if (client) await insert(client);
  else await withDb(insert);
  return id;
}

/** Removes a membership row only (the app's own removal also moves the person's threads: lib/workspaces). */
export const removeMember = (workspaceId: string, userId: string) =>
  withDb((c) =>
    c.query(`delete from workspace_member where workspace_id = $1 and user_id = $2`, [workspaceId, userId]),
  );

/** Makes `workspaceId` (null: the personal space) the active space of every session of this person, and waits until the app sees it. */
export async function activateWorkspace(
  person: { request: APIRequestContext; userId: string },
  workspaceId: string | null,
): Promise<void> {
  await withDb((c) =>
    c.query(`update session set active_workspace_id = $1 where user_id = $2`, [workspaceId, person.userId]),
  );
  await expect
    .poll(
      async () =>
        ((await (await person.request.get("/api/threads?limit=1")).json()) as { workspaceId: unknown }).workspaceId,
    )
    .toBe(workspaceId);
}
