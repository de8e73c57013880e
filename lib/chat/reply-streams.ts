import "server-only";
import { atMostEvery } from "@/lib/observability/at-most-every";
import { logger } from "@/lib/observability/logger";
import { sql } from "drizzle-orm";
import { getDatabase } from "@/lib/db/database";
import { queryRows } from "@/lib/db/rows";
import type { DatabaseHandle } from "@/db/connect";
import { replyStream, replyStreamChunk, thread } from "@/db/schema";

/**
 * Replies in flight, kept in PostgreSQL so every app instance can serve them: the instance that
 * calls the model records the reply's stream in batches (`reply_stream_chunk`) and announces each
 * batch with NOTIFY; any instance replays a stream from its start and follows it live
 * (`GET /api/threads/:id/stream`), and any instance can ask for it to stop (`POST .../stop`),
 * which the recording instance hears and turns into an abort of the model request. On PGlite the
 * same runs inside the one process. A finished stream is deleted a minute after it ends.
 */
const channel = "threadkeeper_reply_stream";
/** The NOTIFY channel, for others who announce on it (lib/tools/approvals.ts: `tool:<id>` keys). */
export const replyStreamChannel = channel;
/** Batching: at most one row and one NOTIFY per this many milliseconds of a reply. */
const flushMs = 40;
/** A reader that hears nothing looks anyway this often (a lost notification costs at most this). */
const pollMs = 1000;

/** Reads again every 50 ms while `pending` holds and `ms` have not passed; the last value read. */
async function readWhile<T>(read: () => Promise<T>, pending: (value: T) => boolean, ms: number): Promise<T> {
  let value = await read();
  for (let waited = 0; pending(value) && waited < ms; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  return value;
}

type Bus = { listeners: Map<string, Set<() => void>>; listening: Promise<void> | undefined };
const buses = new WeakMap<DatabaseHandle, Bus>();

export type ReplyStreamInfo = { id: string; replyId: string; parentId: string };

export function createReplyStreams(handle: () => DatabaseHandle = getDatabase) {
  const bus = (): Bus => {
    const h = handle();
    let b = buses.get(h);
    if (!b) buses.set(h, (b = { listeners: new Map(), listening: undefined }));
    b.listening ??= h
      .listen(channel, (key) => b!.listeners.get(key)?.forEach((fn) => fn()))
      .catch((error: unknown) => {
        b!.listening = undefined;
        logger.warn({ err: error }, "reply streams: could not listen for notifications");
      });
    return b;
  };

  function on(key: string, fn: () => void): () => void {
    const b = bus();
    const set = b.listeners.get(key) ?? new Set();
    set.add(fn);
    b.listeners.set(key, set);
    return () => {
      set.delete(fn);
      if (set.size === 0) b.listeners.delete(key);
    };
  }

  /** Removes the recordings of replies that ended a minute ago, or stopped moving ten minutes ago (their instance went away). */
  const prune = async () => {
    await handle().db.execute(sql`
      delete from ${replyStream}
      where (done and updated_at < now() - interval '1 minute') or updated_at < now() - interval '10 minutes'`);
  };
  // At most every ten seconds per process, off the request's path (it was a round trip per turn).
  const pruneSoon = atMostEvery(10_000, prune, "reply streams: could not remove finished recordings");

  const recordingOf = async (userId: string, threadId: string, replyId: string) => {
    const [row] = await queryRows<{ done: boolean; stop_requested: boolean }>(
      handle().db,
      sql`
        select r.done, r.stop_requested from ${replyStream} r join ${thread} t on t.id = r.thread_id
        where r.thread_id = ${threadId} and t.user_id = ${userId} and r.reply_id = ${replyId}
        order by r.created_at desc limit 1`,
    );
    return row;
  };

  return {
    prune,
    /**
     * Calls `fn` whenever `pg_notify(replyStreamChannel, key)` is sent, by any instance; returns the
     * unsubscribe. A notice can be lost (a reconnect): whoever waits on one reads again now and then.
     */
    onNotice(key: string, fn: () => void): () => void {
      return on(key, fn);
    },
    /** Resolves once this process listens on the channel (a notice sent before that is not heard). */
    async listening(): Promise<void> {
      await bus().listening;
    },
    /** Starts recording a reply in one of the user's threads; null when the thread is not theirs. */
    async startForUser(userId: string, threadId: string, replyId: string, parentId: string): Promise<string | null> {
      const db = handle().db;
      await bus().listening;
      pruneSoon();
      const rows = await queryRows<{ id: string }>(
        db,
        sql`
          insert into ${replyStream} (thread_id, reply_id, parent_id)
          select id, ${replyId}, ${parentId} from ${thread} where id = ${threadId} and user_id = ${userId}
          returning id`,
      );
      return rows[0]?.id ?? null;
    },

    /** Removes a recording that never started (the turn was refused after it was made). */
    async discard(streamId: string): Promise<void> {
      await handle().db.execute(sql`delete from ${replyStream} where id = ${streamId}`);
    },

    /** Records the stream's text in order; `finish` marks it done once the reply is stored. */
    recorder(streamId: string) {
      const db = handle().db;
      let buffer = "";
      let seq = 0;
      let timer: ReturnType<typeof setTimeout> | undefined;
      let writing: Promise<unknown> = Promise.resolve();
      const flush = () => {
        clearTimeout(timer);
        timer = undefined;
        if (!buffer) return writing;
        const data = buffer;
        const n = seq++;
        buffer = "";
        writing = writing
          .then(() =>
            db.execute(sql`
              with chunk as (insert into ${replyStreamChunk} (stream_id, seq, data) values (${streamId}, ${n}, ${data})),
                   moved as (update ${replyStream} set updated_at = now() where id = ${streamId})
              select pg_notify(${channel}, ${`data:${streamId}`})`),
          )
          .catch((error: unknown) => logger.error({ err: error, streamId }, "reply streams: could not record a batch"));
        return writing;
      };
      return {
        push(text: string) {
          buffer += text;
          timer ??= setTimeout(flush, flushMs);
        },
        async finish() {
          await flush();
          await db
            .execute(
              sql`
              with ended as (update ${replyStream} set done = true, updated_at = now() where id = ${streamId})
              select pg_notify(${channel}, ${`data:${streamId}`})`,
            )
            .catch((error: unknown) => logger.error({ err: error, streamId }, "reply streams: could not end a stream"));
        },
      };
    },

    /**
     * The reply in progress in one of the user's threads: undefined when the thread is not theirs;
     * otherwise `stream` (null when none is) and when the thread last got a message.
     */
    async inProgressForUser(
      userId: string,
      threadId: string,
    ): Promise<{ stream: ReplyStreamInfo | null; lastMessageAt: string | null } | undefined> {
      const rows = await queryRows<{
        id: string | null;
        reply_id: string;
        parent_id: string;
        last_message_at: string | null;
      }>(
        handle().db,
        sql`
          select s.id, s.reply_id, s.parent_id, to_json(t.last_message_at)#>>'{}' as last_message_at
          from ${thread} t left join lateral (
            select id, reply_id, parent_id from ${replyStream}
            where thread_id = t.id and not done order by created_at desc limit 1
          ) s on true
          where t.id = ${threadId} and t.user_id = ${userId}`,
      );
      if (rows.length === 0) return undefined;
      const s = rows[0]!;
      const lastMessageAt = s.last_message_at ? new Date(s.last_message_at).toISOString() : null;
      return { stream: s.id ? { id: s.id, replyId: s.reply_id, parentId: s.parent_id } : null, lastMessageAt };
    },

    /** The stream's text from its first byte, then live until it ends (or `signal` aborts). */
    follow(streamId: string, signal: AbortSignal): ReadableStream<Uint8Array> {
      const encoder = new TextEncoder();
      let next = 0;
      return new ReadableStream({
        async pull(controller) {
          for (;;) {
            if (signal.aborted) return controller.close();
            // Subscribe before reading, so a batch announced in between still wakes us.
            let wake: () => void = () => {};
            const woken = new Promise<void>((resolve) => (wake = resolve));
            const off = on(`data:${streamId}`, wake);
            const timer = setTimeout(wake, pollMs);
            signal.addEventListener("abort", wake, { once: true });
            try {
              // One statement: if it sees the stream done, it sees every batch written before that.
              const rows = await queryRows<{ done: boolean; seq: number | null; data: string | null }>(
                handle().db,
                sql`
                  select s.done, c.seq, c.data from ${replyStream} s
                  left join ${replyStreamChunk} c on c.stream_id = s.id and c.seq >= ${next}
                  where s.id = ${streamId} order by c.seq`,
              );
              const text = rows.flatMap((r) => (r.data === null ? [] : [r.data])).join("");
              const last = rows.at(-1)?.seq;
              if (last !== null && last !== undefined) next = last + 1;
              if (text) controller.enqueue(encoder.encode(text));
              if (rows.length === 0 || rows[0]!.done) return controller.close();
              if (text) return;
              await woken;
            } finally {
              off();
              clearTimeout(timer);
              signal.removeEventListener("abort", wake);
            }
          }
        },
      });
    },

    /**
     * Whether a browser's copy of a reply may replace the server's. A complete copy may: it is the
     * whole reply. After Stop a partial one may too: it is what the user saw. A copy cut short any
     * other way (the tab reloaded or closed mid-reply) may not: the server goes on and stores the
     * whole reply. The browser sends Stop before its copy, but the two requests may land in either
     * order, so a partial copy of a reply still being written waits a moment for a Stop to show up.
     */
    async browserCopyWinsForUser(
      userId: string,
      threadId: string,
      replyId: string,
      complete: boolean,
    ): Promise<boolean> {
      if (complete) return true;
      // "stopped" (asked, ended or not), "ended" (ran to its end unasked), "writing", or none
      // (never recorded, or removed a minute after it ended).
      const state = async () => {
        const row = await recordingOf(userId, threadId, replyId);
        return !row ? null : row.stop_requested ? "stopped" : row.done ? "ended" : "writing";
      };
      const now = await readWhile(state, (s) => s === "writing", 2000);
      return now === "stopped" || now === null;
    },

    /**
     * Waits, up to `waitMs`, for the recording of a reply in the user's thread to end (a reply is
     * stored before its recording ends). False when there is no such recording. A browser may send
     * the next message as soon as it has read a reply's last chunk, a moment before the reply is
     * stored; that message names the reply as its parent.
     */
    async replyEndedForUser(userId: string, threadId: string, replyId: string, waitMs = 3000): Promise<boolean> {
      const row = await readWhile(
        () => recordingOf(userId, threadId, replyId),
        (r) => r !== undefined && !r.done,
        waitMs,
      );
      return row?.done === true;
    },

    /** Asks whichever instance writes the thread's reply to stop it; false when the thread is not the user's. */
    async requestStopForUser(userId: string, threadId: string): Promise<boolean> {
      const rows = await queryRows<{ id: string | null }>(
        handle().db,
        sql`
          with owned as (select id from ${thread} where id = ${threadId} and user_id = ${userId}),
               stopped as (
                 update ${replyStream} set stop_requested = true
                 where thread_id in (select id from owned) and not done returning id)
          select o.id, case when s.id is not null then pg_notify(${channel}, 'stop:' || s.id) end
          from owned o left join stopped s on true`,
      );
      return rows.length > 0;
    },

    /**
     * Calls `stop` when a stop is asked for this stream (by any instance); returns the unsubscribe.
     * A stop asked between the recording's start and this subscription left only its flag (its
     * notice had no listener yet), so the flag is read once after subscribing.
     */
    onStop(streamId: string, stop: () => void): () => void {
      const off = on(`stop:${streamId}`, stop);
      void queryRows<{ stop_requested: boolean }>(
        handle().db,
        sql`select stop_requested from ${replyStream} where id = ${streamId}`,
      )
        .then((rows) => {
          if (rows[0]?.stop_requested) stop();
        })
        .catch((error: unknown) => logger.warn({ err: error, streamId }, "reply streams: could not read a stop flag"));
      return off;
    },
  };
}

export const replyStreams = createReplyStreams();
