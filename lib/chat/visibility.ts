import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { message, workspaceMember } from "@/db/schema";

/**
 * Who may read a thread, as SQL: kept apart from the thread store so the attachment store can put
 * the same rule in its own statements (lib/attachments/attachments.ts imports nothing of
 * lib/chat/threads.ts, which imports it).
 */

/**
 * The visibility rule, as one predicate on a thread row `t` for the caller `userId`. The author
 * sees it; a member of its workspace sees it while it is shared and its author is still a member.
 */
export const visibleTo = (userId: string, t: SQL = sql.raw("t")) => sql`(${t}.user_id = ${userId} or (
  ${t}.shared_at is not null and exists (
    select 1 from ${workspaceMember} reader join ${workspaceMember} author on author.workspace_id = reader.workspace_id
    where reader.workspace_id = ${t}.workspace_id and reader.user_id = ${userId} and author.user_id = ${t}.user_id)))`;

/**
 * The messages a reader who is not the author sees: the thread's current branch, from its newest
 * message up to the first (edits and regenerations the author left behind stay private). The
 * message tree has no loops (saveMessageForUser), and the walk is bounded anyway.
 */
export const maxBranchDepth = 100_000;
export const sharedBranch = (threadId: string | SQL) => sql`(
  with recursive head as (
    select m.id, m.parent_id from ${message} m where m.thread_id = ${threadId}
    order by m.created_at desc, m.id desc limit 1
  ), branch(id, parent_id, depth) as (
    select id, parent_id, 1 from head
    union all
    select p.id, p.parent_id, b.depth + 1 from branch b cross join lateral (
      select m.id, m.parent_id from ${message} m where m.thread_id = ${threadId} and m.id = b.parent_id limit 1
    ) p
    where b.depth < ${maxBranchDepth}
  ) select id from branch)`;
