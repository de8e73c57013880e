import "server-only";
import { sql, type SQL, type SQLWrapper } from "drizzle-orm";
import { workspaceMember } from "@/db/schema";

/**
 * Who may see, use and edit a project, as SQL predicates on a project row, so every statement of
 * lib/projects/ (and the thread store's create and move) puts the same rule in the statement that
 * reads or writes. Kept apart from projects.ts so lib/chat/threads.ts can import it without a cycle.
 *
 * - A personal project (`workspace_id` null): its creator alone sees, uses and edits it.
 * - A workspace project: every current member sees and uses it; its creator (while still a member)
 *   and the workspace's owners and admins edit it.
 * Nobody else, whatever their role on the instance: to them it does not exist (a 404).
 */

type Row = SQL | SQLWrapper;

/** The caller may see and use the project row `p` (name, instructions, files, passages; start threads in it). */
export const projectVisibleTo = (userId: string, p: Row = sql.raw("p")) => sql`(
  (${p}.workspace_id is null and ${p}.user_id = ${userId})
  or exists (select 1 from ${workspaceMember} vm where vm.workspace_id = ${p}.workspace_id and vm.user_id = ${userId}))`;

/** The caller may rename the project row `p`, change its instructions and files, and delete it. */
export const projectEditableBy = (userId: string, p: Row = sql.raw("p")) => sql`(
  (${p}.workspace_id is null and ${p}.user_id = ${userId})
  or exists (select 1 from ${workspaceMember} em where em.workspace_id = ${p}.workspace_id and em.user_id = ${userId}
             and (em.role in ('owner', 'admin') or ${p}.user_id = ${userId})))`;

/**
 * For a thread's create and move (lib/chat/threads.ts): the project row aliased `p` is the one
 * named (`projectIdSql`, e.g. sql`p.id` when the caller already picked it), the caller may use it,
 * and it is of the thread's space (`workspaceIdSql`: its workspace is not distinct from the
 * thread's, null for personal). Retrieval and instructions at each turn use the same predicate
 * with the thread's current workspace, so a thread that left the project's space gets neither.
 */
export const usableProject = (userId: string, projectIdSql: Row, workspaceIdSql: Row) =>
  sql`(p.id = ${projectIdSql} and p.workspace_id is not distinct from ${workspaceIdSql} and ${projectVisibleTo(userId, sql.raw("p"))})`;
