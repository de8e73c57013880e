import "server-only";
import { sql } from "drizzle-orm";
import { getDatabase, type DatabaseHandle } from "@/lib/db/database";
import { queryRows } from "@/lib/db/rows";
import { atMostEvery } from "@/lib/observability/at-most-every";
import { replyStreamChannel, replyStreams as defaultReplyStreams } from "@/lib/chat/reply-streams";
import {
  chatUsage,
  mcpCredential,
  mcpServer,
  mcpServerWorkspace,
  mcpTool,
  replyStream,
  thread,
  threadTool,
  toolCall,
  workspaceMember,
} from "@/db/schema";

/**
 * The person's answer to a tool call that asks first (policy `ask`, no "always allow"). The turn
 * writes a `tool_call` row (`awaiting`) and waits; POST /api/threads/:id/tool-calls/:toolCallId
 * decides it in one statement that checks the caller owns the thread and the call, and announces
 * it with NOTIFY on the reply streams' channel, so the instance running the turn hears it
 * whichever instance took the answer. One poller per instance also reads all its waiting rows
 * now and then in one statement (a lost notice costs at most that) and keeps their recordings
 * moving. The row goes once the turn has its answer.
 *
 * A decision binds to the row of the live call: a row is taken over by a later call under the
 * same model id only when it is decided or older than the approval timeout (left by an instance
 * that went away), and gets a new id then, so a waiter of the old row never reads the new one's
 * answer. A second live call under an id that already waits is refused, and the first one denied
 * (the person cannot tell which of the two their answer would run). A person has at most
 * MCP_MAX_PENDING_APPROVALS calls waiting at once (counted under a per-person lock).
 */

/**
 * How the wait ended. `timed_out` is treated as a denial; `stopped`: Stop or shutdown; `busy`: the
 * person already has the most calls waiting; `duplicate`: another live call waits under this id.
 */
export type WaitResult = "approved" | "denied" | "timed_out" | "stopped" | "busy" | "duplicate";

export type WaitRequest = {
  userId: string;
  threadId: string;
  /** The reply stream (reply_stream.id) of the turn. */
  streamId: string;
  /** The model's id for the call. */
  toolCallId: string;
  serverId: string;
  toolName: string;
  signal: AbortSignal;
  timeoutMs: number;
  /** Calls of this person that may wait at once (all threads and instances). */
  maxPending?: number;
  /** Called once the row is written (an answer can find it from then on): tell the browser. */
  onWaiting?: () => void;
};

/** The instance's poller reads its waiting rows this often (one statement for all of them). */
const pollMs = 3000;
/**
 * While calls wait, their turns' recordings is marked as moving this often: a recording that stops
 * moving for ten minutes counts as lost with its instance (lib/chat/reply-streams.ts `prune`), and
 * a call may wait up to MCP_APPROVAL_TIMEOUT_MS (ten minutes by default) without a chunk.
 */
const touchMs = 60_000;

export function createApprovals(
  handle: () => DatabaseHandle = getDatabase,
  streams: Pick<typeof defaultReplyStreams, "onNotice" | "listening"> = defaultReplyStreams,
) {
  /** Rows left by an instance that went away mid-wait (a live wait ends by the approval timeout). */
  const prune = async () => {
    await handle().db.execute(sql`delete from ${toolCall} where created_at < now() - interval '1 day'`);
  };
  const pruneSoon = atMostEvery(60_000, prune, "tool approvals: could not remove old rows");

  const statusOf = async (id: string) => {
    const [row] = await queryRows<{ status: string }>(
      handle().db,
      sql`select status from ${toolCall} where id = ${id}`,
    );
    return row?.status;
  };

  /** This instance's waiters: row id → its wake-up and its reply stream. */
  const waiters = new Map<string, { wake: () => void; streamId: string }>();
  let poller: ReturnType<typeof setInterval> | null = null;
  let touched = performance.now();
  let polling = false;
  const poll = async () => {
    if (waiters.size === 0) {
      if (poller) clearInterval(poller);
      poller = null;
      return;
    }
    if (polling) return;
    polling = true;
    try {
      const ids = [...waiters.keys()];
      const open = await queryRows<{ id: string }>(
        handle().db,
        sql`select id from ${toolCall} where id in ${ids} and status = 'awaiting'`,
      );
      const still = new Set(open.map((r) => r.id));
      for (const id of ids) if (!still.has(id)) waiters.get(id)?.wake();
      if (performance.now() - touched > touchMs) {
        touched = performance.now();
        const streamIds = [...new Set([...waiters.values()].map((w) => w.streamId))];
        await handle().db.execute(
          sql`update ${replyStream} set updated_at = now() where id in ${streamIds} and not done`,
        );
      }
    } catch {
      // The next round tries again; each waiter still ends by its notice or its deadline.
    } finally {
      polling = false;
    }
  };
  const startPoller = () => {
    if (poller) return;
    touched = performance.now();
    poller = setInterval(() => void poll(), pollMs);
    poller.unref?.();
  };

  /** Refuses a second live call under an id that waits, and denies the first one too. */
  const denyLive = (threadId: string, toolCallId: string) =>
    handle().db.execute(
      sql`
        with denied as (
          update ${toolCall} set status = 'denied', decided_at = now()
          where thread_id = ${threadId} and tool_call_id = ${toolCallId} and status = 'awaiting'
          returning id)
        select pg_notify(${replyStreamChannel}, 'tool:' || id) from denied`,
    );

  /** Waits for the person's answer to one call of the turn; the row is gone when this returns. */
  async function waitForDecision(request: WaitRequest): Promise<WaitResult> {
    const { userId, threadId, streamId, toolCallId, serverId, toolName, signal, timeoutMs, onWaiting } = request;
    const maxPending = request.maxPending ?? 5;
    if (signal.aborted) return "stopped";
    pruneSoon();
    await streams.listening();
    const liveSecs = Math.max(1, Math.ceil(timeoutMs / 1000));
    const inserted = await handle().db.transaction(async (tx) => {
      // One person's inserts one at a time: the count below cannot be passed by calls made at once.
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`tool_call:${userId}`}))`);
      const [row] = await queryRows<{ id: string }>(
        tx,
        sql`
          insert into ${toolCall} (user_id, thread_id, stream_id, tool_call_id, server_id, tool_name, status)
          select ${userId}, t.id, ${streamId}, ${toolCallId}, ${serverId}, ${toolName}, 'awaiting'
          from ${thread} t where t.id = ${threadId} and t.user_id = ${userId}
            and (select count(*) from ${toolCall} p where p.user_id = ${userId} and p.status = 'awaiting'
                 and p.created_at > now() - make_interval(secs => ${liveSecs})) < ${maxPending}
          on conflict (thread_id, tool_call_id) do update set
            id = gen_random_uuid(), user_id = excluded.user_id, stream_id = excluded.stream_id,
            server_id = excluded.server_id, tool_name = excluded.tool_name, status = 'awaiting',
            created_at = now(), decided_at = null
          where ${toolCall}.status <> 'awaiting' or ${toolCall}.created_at <= now() - make_interval(secs => ${liveSecs})
          returning id`,
      );
      if (row) return { id: row.id };
      const [why] = await queryRows<{ live: boolean }>(
        tx,
        sql`
          select exists (select 1 from ${toolCall} where thread_id = ${threadId} and tool_call_id = ${toolCallId}
            and status = 'awaiting' and created_at > now() - make_interval(secs => ${liveSecs})) as live`,
      );
      return { refused: why?.live ? ("duplicate" as const) : ("busy" as const) };
    });
    if ("refused" in inserted) {
      if (inserted.refused === "duplicate") {
        await denyLive(threadId, toolCallId).catch(() => {});
        return "duplicate";
      }
      // Not the caller's thread: the row was never written (the turn checked the thread); else too many wait.
      const [own] = await queryRows<{ id: string }>(
        handle().db,
        sql`select id from ${thread} where id = ${threadId} and user_id = ${userId}`,
      );
      return own ? "busy" : "denied";
    }
    const id = inserted.id;
    let wake: () => void = () => {};
    const off = streams.onNotice(`tool:${id}`, () => wake());
    const onAbort = () => wake();
    signal.addEventListener("abort", onAbort);
    waiters.set(id, { wake: () => wake(), streamId });
    startPoller();
    const deadline = performance.now() + timeoutMs;
    try {
      onWaiting?.();
      for (;;) {
        // Subscribed before reading: an answer between the two still wakes us.
        const woken = new Promise<void>((resolve) => (wake = resolve));
        const status = await statusOf(id);
        if (status === "approved" || status === "denied") return status;
        if (status === undefined) return "denied";
        if (signal.aborted) return "stopped";
        const left = deadline - performance.now();
        if (left <= 0) {
          // Only an answer that did not come in the meantime is turned into a denial.
          const [late] = await queryRows<{ status: string }>(
            handle().db,
            sql`
              with timed_out as (
                update ${toolCall} set status = 'denied', decided_at = now() where id = ${id} and status = 'awaiting' returning id)
              select c.status from ${toolCall} c where c.id = ${id} and not exists (select 1 from timed_out)`,
          );
          return late?.status === "approved" ? "approved" : late?.status === "denied" ? "denied" : "timed_out";
        }
        // Woken by the notice, the poller (the row changed), Stop, or the deadline.
        const timer = setTimeout(() => wake(), left);
        await woken;
        clearTimeout(timer);
      }
    } finally {
      waiters.delete(id);
      off();
      signal.removeEventListener("abort", onAbort);
      await handle()
        .db.execute(sql`delete from ${toolCall} where id = ${id}`)
        .catch(() => {});
    }
  }

  /**
   * The person's answer to a call of theirs that waits in their own thread, in one statement: the
   * row (awaiting, the caller's, in a thread the caller owns) is decided, "always allow" is set on
   * the thread's tool when asked for with `run`, and the waiting turn is told. False when there is
   * no such call (a 404, like a missing one).
   */
  async function decideForUser(
    userId: string,
    threadId: string,
    toolCallId: string,
    decision: "run" | "deny",
    alwaysAllow: boolean,
  ): Promise<boolean> {
    const status = decision === "run" ? "approved" : "denied";
    const always = decision === "run" && alwaysAllow;
    const rows = await queryRows<{ id: string }>(
      handle().db,
      sql`
        with decided as (
          update ${toolCall} c set status = ${status}, decided_at = now()
          where c.thread_id = ${threadId} and c.tool_call_id = ${toolCallId} and c.user_id = ${userId}
            and c.status = 'awaiting'
            and exists (select 1 from ${thread} t where t.id = c.thread_id and t.user_id = ${userId})
          returning c.id, c.server_id, c.tool_name),
        allowed as (
          update ${threadTool} tt set always_allow = true from decided d
          where ${always} and tt.thread_id = ${threadId} and tt.user_id = ${userId}
            and tt.server_id = d.server_id and tt.tool_name = d.tool_name
          returning 1)
        select d.id, pg_notify(${replyStreamChannel}, 'tool:' || d.id) from decided d`,
    );
    return rows.length > 0;
  }

  /**
   * Whether the person may still run this tool in this thread, read in one statement right
   * before a call (a server disabled, a workspace left, a tool no longer offered or set to
   * `never`, the thread's switch turned off, a per-person credential removed, or the server's
   * address changed since the turn began: null, not run), with the tool's policy now and the
   * person's "Always allow this tool in this thread" (both may change mid-turn).
   */
  async function callState(
    userId: string,
    threadId: string,
    serverId: string,
    toolName: string,
    url: string,
  ): Promise<{ policy: "ask" | "allow"; alwaysAllow: boolean } | null> {
    const [row] = await queryRows<{ policy: "ask" | "allow"; always_allow: boolean }>(
      handle().db,
      sql`
        select tl.policy, tt.always_allow
        from ${threadTool} tt
        join ${thread} t on t.id = tt.thread_id and t.user_id = ${userId}
        join ${mcpServer} s on s.id = tt.server_id
        join ${mcpTool} tl on tl.server_id = tt.server_id and tl.name = tt.tool_name
        where tt.thread_id = ${threadId} and tt.server_id = ${serverId} and tt.tool_name = ${toolName}
          and tt.user_id = ${userId} and tt.enabled
          and tl.offered and tl.policy <> 'never'
          and s.enabled and s.url = ${url}
          and (s.audience = 'everyone' or exists (
            select 1 from ${mcpServerWorkspace} sw join ${workspaceMember} m on m.workspace_id = sw.workspace_id
            where sw.server_id = s.id and m.user_id = ${userId}))
          and (s.auth <> 'per_person' or exists (
            select 1 from ${mcpCredential} c where c.server_id = s.id and c.user_id = ${userId}))`,
    );
    return row ? { policy: row.policy, alwaysAllow: row.always_allow === true } : null;
  }

  /**
   * Counts one tool call against the person's minute (MCP_TOOL_CALLS_PER_MINUTE) in one statement,
   * so calls on any number of instances cannot all slip under it. False: over the limit (not run).
   */
  async function consumeToolCall(userId: string, perMinute: number): Promise<boolean> {
    const [row] = await queryRows<{ count: number }>(
      handle().db,
      sql`
        insert into ${chatUsage} (user_id, "window", window_start, count)
        values (${userId}, 'tool_minute', date_trunc('minute', now()), 1)
        on conflict (user_id, "window") do update set
          count = case when ${chatUsage.windowStart} = excluded.window_start then ${chatUsage.count} + 1 else 1 end,
          window_start = excluded.window_start
        returning count`,
    );
    return (row?.count ?? 0) <= perMinute;
  }

  return { waitForDecision, decideForUser, callState, consumeToolCall, prune };
}

export const approvals = createApprovals();
export type Approvals = ReturnType<typeof createApprovals>;
