import "server-only";
import { and, eq, sql, type SQL } from "drizzle-orm";
import { db as defaultDb } from "@/lib/db/database";
import type { AppDatabase } from "@/db/connect";
import { queryRows } from "@/lib/db/rows";
import {
  message,
  thread,
  usageMonth,
  user,
  workspace,
  workspaceMember,
  workspaceUsageMonth,
  type ReplyUsage,
} from "@/db/schema";
import { ApiError } from "@/lib/http/errors";
import type { Env } from "@/lib/config/env";

/** AI SDK 7's usage as the app keeps it: the counts the provider sent, nothing made up. */
export function replyUsageOf(
  usage:
    | {
        inputTokens?: number;
        outputTokens?: number;
        totalTokens?: number;
        inputTokenDetails?: { cacheReadTokens?: number };
        outputTokenDetails?: { reasoningTokens?: number };
      }
    | undefined,
): ReplyUsage | undefined {
  if (!usage) return undefined;
  const counts: ReplyUsage = {
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    reasoningTokens: usage.outputTokenDetails?.reasoningTokens,
    cachedInputTokens: usage.inputTokenDetails?.cacheReadTokens,
    totalTokens: usage.totalTokens,
  };
  const present = Object.entries(counts).filter(([, v]) => typeof v === "number" && Number.isFinite(v));
  return present.length ? (Object.fromEntries(present) as ReplyUsage) : undefined;
}

/** `TOKEN_QUOTA_PER_MONTH`: input + output tokens one person may use per calendar month (UTC); unset, no quota. */
export function readTokenQuota(env: Env = process.env): number | null {
  const raw = env.TOKEN_QUOTA_PER_MONTH;
  if (raw === undefined || raw === "") return null;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`TOKEN_QUOTA_PER_MONTH must be a whole number of tokens, got "${raw}".`);
  return value;
}

/** The current calendar month (UTC), as the ledger's `month` column stores it. */
export const thisMonth = sql`date_trunc('month', now() at time zone 'UTC') at time zone 'UTC'`;

export type MonthUsage = Pick<
  typeof usageMonth.$inferSelect,
  "model" | "messages" | "inputTokens" | "outputTokens" | "reasoningTokens" | "cachedInputTokens"
>;

/** A month's row that already exists gets the new counts added (messages included: 1 for a reply, 0 for any other call). */
const addToMonth = sql`
  on conflict (user_id, month, model) do update set
    messages = u.messages + excluded.messages,
    input_tokens = u.input_tokens + excluded.input_tokens,
    output_tokens = u.output_tokens + excluded.output_tokens,
    reasoning_tokens = u.reasoning_tokens + excluded.reasoning_tokens,
    cached_input_tokens = u.cached_input_tokens + excluded.cached_input_tokens`;

/** The same for a workspace's month of one member (messages 1 for a reply, 0 for a title). */
const addToWorkspaceMonth = sql`
  on conflict (workspace_id, month, user_id) do update set
    messages = w.messages + excluded.messages,
    input_tokens = w.input_tokens + excluded.input_tokens,
    output_tokens = w.output_tokens + excluded.output_tokens`;

export function createUsage(db: AppDatabase = defaultDb, quota: number | null = readTokenQuota()) {
  const noWorkspace = sql`(select null::text as name, null::bigint as quota, null::bigint as used) as ws`;
  // The workspace `w` that `from` (a FROM and WHERE naming it) finds, with its quota and its members'
  // tokens this month, as the row `ws` (all nulls when it finds none).
  const workspaceQuotaOf = (from: SQL) => sql`(select 1) as one left join (
      select w.name, w.token_quota as quota,
             (select coalesce(sum(u.input_tokens + u.output_tokens), 0) from ${workspaceUsageMonth} u
              where u.workspace_id = w.id and u.month = ${thisMonth}) as used
      from ${from}
    ) as ws on true`;

  /** Throws 429 `quota_exceeded` when the person's month reached `limit` or the workspace row `ws` its quota. */
  async function assertWithin(userId: string, limit: number | null, workspaceQuota: SQL): Promise<void> {
    const personalUsed =
      limit === null
        ? sql`null`
        : sql`(select coalesce(sum(input_tokens + output_tokens), 0) from ${usageMonth}
               where user_id = ${userId} and month = ${thisMonth})`;
    const rows = await queryRows<{
      used: string | null;
      workspace_name: string | null;
      workspace_quota: string | null;
      workspace_used: string | null;
      resets: string;
      retry_after: number;
    }>(
      db,
      sql`
      select ${personalUsed}::bigint::text as used,
             ws.name as workspace_name, ws.quota::text as workspace_quota, ws.used::bigint::text as workspace_used,
             to_char(${thisMonth} + interval '1 month', 'YYYY-MM-DD') as resets,
             ceil(extract(epoch from (${thisMonth} + interval '1 month') - now()))::int as retry_after
      from ${workspaceQuota}`,
    );
    const row = rows[0]!;
    const retryAfter = { "Retry-After": String(Math.max(1, row.retry_after)) };
    if (limit !== null && Number(row.used) >= limit)
      throw new ApiError(
        "quota_exceeded",
        `You have used your ${limit.toLocaleString("en")} tokens for this month. The quota resets on ${row.resets} (UTC).`,
        retryAfter,
      );
    if (row.workspace_quota !== null && Number(row.workspace_used) >= Number(row.workspace_quota))
      throw new ApiError(
        "quota_exceeded",
        `The workspace "${row.workspace_name}" has used its quota of ${Number(row.workspace_quota).toLocaleString("en")} tokens for this month. The workspace quota resets on ${row.resets} (UTC).`,
        retryAfter,
      );
  }

  return {
    /**
     * Records a stored reply's model and usage on its row and adds it to the user's month, in one
     * statement; the thread's owner is checked in the same statement. A reply in a workspace
     * thread also counts in that workspace's month for this person (its quota reads that ledger).
     */
    async recordReplyForUser(
      userId: string,
      threadId: string,
      messageId: string,
      model: string,
      usage: ReplyUsage | undefined,
    ): Promise<void> {
      const input = usage?.inputTokens ?? 0;
      const output = usage?.outputTokens ?? 0;
      await db.execute(sql`
        with reply as (
          update ${message} m set model = ${model}, usage = ${usage ? JSON.stringify(usage) : null}::jsonb
          from ${thread} t
          where m.thread_id = t.id and t.id = ${threadId} and t.user_id = ${userId} and m.id = ${messageId}
          returning m.id, t.workspace_id
        ),
        personal as (
          insert into ${usageMonth} as u (user_id, month, model, messages, input_tokens, output_tokens, reasoning_tokens, cached_input_tokens)
          select ${userId}, ${thisMonth}, ${model}, 1, ${input}, ${output},
                 ${usage?.reasoningTokens ?? 0}, ${usage?.cachedInputTokens ?? 0}
          from reply
          ${addToMonth}
        )
        insert into ${workspaceUsageMonth} as w (workspace_id, user_id, month, messages, input_tokens, output_tokens)
        select workspace_id, ${userId}, ${thisMonth}, 1, ${input}, ${output}
        from reply where workspace_id is not null
        ${addToWorkspaceMonth}`);
    },

    /**
     * A model call that is not a reply (a thread's title): its tokens count in the month, as no
     * message. Given the thread it was made for, and that thread is the caller's and in a
     * workspace, they count in the workspace's month too (read in the same statement).
     */
    async recordCallForUser(
      userId: string,
      model: string,
      usage: ReplyUsage | undefined,
      threadId?: string,
    ): Promise<void> {
      const input = usage?.inputTokens ?? 0;
      const output = usage?.outputTokens ?? 0;
      const personal = sql`
        insert into ${usageMonth} as u (user_id, month, model, messages, input_tokens, output_tokens, reasoning_tokens, cached_input_tokens)
        values (${userId}, ${thisMonth}, ${model}, 0, ${input}, ${output},
                ${usage?.reasoningTokens ?? 0}, ${usage?.cachedInputTokens ?? 0})
        ${addToMonth}`;
      if (threadId === undefined) {
        await db.execute(personal);
        return;
      }
      await db.execute(sql`
        with personal as (${personal})
        insert into ${workspaceUsageMonth} as w (workspace_id, user_id, month, messages, input_tokens, output_tokens)
        select t.workspace_id, ${userId}, ${thisMonth}, 0, ${input}, ${output}
        from ${thread} t
        where t.id = ${threadId} and t.user_id = ${userId} and t.workspace_id is not null
        ${addToWorkspaceMonth}`);
    },

    /**
     * An embedding call (lib/projects/embeddings.ts: a project file's passages, or a question's
     * words): its input tokens count in the person's month, as no message; for a workspace's
     * project, in that workspace's month too while they are a member (checked in the statement).
     */
    async recordEmbeddingForUser(
      userId: string,
      model: string,
      tokens: number,
      workspaceId: string | null,
    ): Promise<void> {
      const input = Number.isFinite(tokens) && tokens > 0 ? Math.round(tokens) : 0;
      await db.execute(sql`
        with personal as (
          insert into ${usageMonth} as u (user_id, month, model, messages, input_tokens, output_tokens, reasoning_tokens, cached_input_tokens)
          values (${userId}, ${thisMonth}, ${model}, 0, ${input}, 0, 0, 0)
          ${addToMonth}
        )
        insert into ${workspaceUsageMonth} as w (workspace_id, user_id, month, messages, input_tokens, output_tokens)
        select m.workspace_id, ${userId}, ${thisMonth}, 0, ${input}, 0
        from ${workspaceMember} m
        where m.workspace_id = ${workspaceId}::text and m.user_id = ${userId}
        ${addToWorkspaceMonth}`);
    },

    /** The user's messages and tokens this month, by model. */
    async thisMonthForUser(userId: string): Promise<MonthUsage[]> {
      return db
        .select({
          model: usageMonth.model,
          messages: usageMonth.messages,
          inputTokens: usageMonth.inputTokens,
          outputTokens: usageMonth.outputTokens,
          reasoningTokens: usageMonth.reasoningTokens,
          cachedInputTokens: usageMonth.cachedInputTokens,
        })
        .from(usageMonth)
        .where(and(eq(usageMonth.userId, userId), eq(usageMonth.month, thisMonth)))
        .orderBy(usageMonth.model);
    },

    /** The quota that applies to a person: the one an admin set for them, or TOKEN_QUOTA_PER_MONTH; null: none. */
    quotaFor(own: number | null | undefined): number | null {
      return own ?? quota;
    },

    /** Set by an admin on /admin; null goes back to TOKEN_QUOTA_PER_MONTH. */
    async setQuotaForUser(userId: string, tokens: number | null): Promise<void> {
      await db.update(user).set({ tokenQuota: tokens }).where(eq(user.id, userId));
    },

    /**
     * 429 `quota_exceeded`, with when it resets, once the user's tokens this month reach their
     * quota, or, for a thread of theirs in a workspace with a quota, once the workspace's members
     * together reach it. Before the model is called; one statement, which reads the thread's
     * workspace from the thread id and the caller's id.
     */
    async assertWithinQuotaForUser(userId: string, own?: number | null, threadId?: string): Promise<void> {
      const limit = this.quotaFor(own);
      if (limit === null && threadId === undefined) return;
      // The thread's workspace, when it is the caller's thread, in a workspace with a quota.
      const workspaceQuota =
        threadId === undefined
          ? noWorkspace
          : workspaceQuotaOf(
              sql`${thread} t join ${workspace} w on w.id = t.workspace_id
                  where t.id = ${threadId} and t.user_id = ${userId} and w.token_quota is not null`,
            );
      await assertWithin(userId, limit, workspaceQuota);
    },

    /**
     * The same for model calls made for a project rather than a thread (a project file's
     * embeddings, lib/projects/): the person's quota, and that of the project's workspace
     * (`workspaceId`, null for a personal project) while they are a member of it, whose month
     * those calls count in (recordEmbeddingForUser).
     */
    async assertWithinQuotaForWorkspaceUser(
      userId: string,
      own: number | null | undefined,
      workspaceId: string | null,
    ): Promise<void> {
      const limit = this.quotaFor(own);
      if (limit === null && workspaceId === null) return;
      const workspaceQuota =
        workspaceId === null
          ? noWorkspace
          : workspaceQuotaOf(
              sql`${workspace} w join ${workspaceMember} m on m.workspace_id = w.id and m.user_id = ${userId}
                  where w.id = ${workspaceId}::text and w.token_quota is not null`,
            );
      await assertWithin(userId, limit, workspaceQuota);
    },
  };
}

export const usage = createUsage();
