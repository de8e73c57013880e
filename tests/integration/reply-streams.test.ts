import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "@/db/connect";
import { thread, user } from "@/db/schema";
import { createReplyStreams } from "@/lib/chat/reply-streams";
import { engines } from "../support/databases";
import { uniqueEmail } from "../support/unique-email";

const readAllText = (stream: ReadableStream<Uint8Array>) => new Response(stream).text();

describe.each(engines)("replies in flight on $name", ({ name, open }) => {
  // Two handles on one database are two app instances (on PGlite: the one process).
  let a: DatabaseHandle;
  let b: DatabaseHandle;
  beforeAll(async () => {
    a = open();
    await a.ready();
    b = name === "postgres" ? open() : a;
  });
  afterAll(async () => {
    if (b !== a) await b.close();
    await a.close();
  });

  async function ownedThread() {
    const userId = randomUUID();
    await a.db.insert(user).values({ id: userId, name: "s", email: uniqueEmail("stream") });
    const [row] = await a.db.insert(thread).values({ userId }).returning({ id: thread.id });
    return { userId, threadId: row.id };
  }

  it("replays a recording from its start and follows it live on another instance, to its end", async () => {
    const writer = createReplyStreams(() => a);
    const reader = createReplyStreams(() => b);
    const { userId, threadId } = await ownedThread();
    const streamId = (await writer.startForUser(userId, threadId, "reply-1", "question-1"))!;
    const recorder = writer.recorder(streamId);
    recorder.push("data: one\n\n");
    recorder.push("data: two\n\n");
    await new Promise((r) => setTimeout(r, 100));

    expect(await reader.inProgressForUser(userId, threadId)).toEqual({
      stream: { id: streamId, replyId: "reply-1", parentId: "question-1" },
      lastMessageAt: null,
    });
    const started = performance.now();
    const following = readAllText(reader.follow(streamId, new AbortController().signal));
    for (let i = 0; i < 5; i++) {
      recorder.push(`data: live ${i}\n\n`);
      await new Promise((r) => setTimeout(r, 30));
    }
    recorder.push("data: [DONE]\n\n");
    await recorder.finish();
    expect(await following).toBe(
      `data: one\n\ndata: two\n\n${[0, 1, 2, 3, 4].map((i) => `data: live ${i}\n\n`).join("")}data: [DONE]\n\n`,
    );
    // Woken by NOTIFY, not by the one-second poll.
    expect(performance.now() - started).toBeLessThan(900);
    expect(await reader.inProgressForUser(userId, threadId)).toEqual({ stream: null, lastMessageAt: null });
  });

  it("answers only the thread's owner", async () => {
    const streams = createReplyStreams(() => a);
    const { threadId } = await ownedThread();
    const stranger = randomUUID();
    expect(await streams.startForUser(stranger, threadId, "r", "p")).toBeNull();
    expect(await streams.inProgressForUser(stranger, threadId)).toBeUndefined();
    expect(await streams.requestStopForUser(stranger, threadId)).toBe(false);
  });

  it("a stop asked on one instance reaches the instance writing the reply", async () => {
    const writer = createReplyStreams(() => a);
    const other = createReplyStreams(() => b);
    const { userId, threadId } = await ownedThread();
    const streamId = (await writer.startForUser(userId, threadId, "reply-2", "question-2"))!;
    const stopped = new Promise<number>((resolve) => writer.onStop(streamId, () => resolve(performance.now())));
    const asked = performance.now();
    expect(await other.requestStopForUser(userId, threadId)).toBe(true);
    expect((await stopped) - asked).toBeLessThan(1000);
    // No reply in progress: still 204-like success for the owner.
    await writer.recorder(streamId).finish();
    expect(await other.requestStopForUser(userId, threadId)).toBe(true);
  });

  it("a stop asked after the recording started but before the writer listens still stops it", async () => {
    const writer = createReplyStreams(() => a);
    const other = createReplyStreams(() => b);
    const { userId, threadId } = await ownedThread();
    const streamId = (await writer.startForUser(userId, threadId, "reply-3", "question-3"))!;
    // Its notice goes out while nobody listens for this stream: only the flag is left.
    expect(await other.requestStopForUser(userId, threadId)).toBe(true);
    const stopped = await new Promise<boolean>((resolve) => {
      const off = writer.onStop(streamId, () => resolve(true));
      setTimeout(() => {
        off();
        resolve(false);
      }, 2000);
    });
    expect(stopped).toBe(true);
    await writer.recorder(streamId).finish();
  });

  it("recordings that ended a minute ago, or whose instance went away, are removed", async () => {
    const streams = createReplyStreams(() => a);
    const { userId, threadId } = await ownedThread();
    const ended = (await streams.startForUser(userId, threadId, "old", "p"))!;
    const recorder = streams.recorder(ended);
    recorder.push("data: x\n\n");
    await recorder.finish();
    const abandoned = (await streams.startForUser(userId, threadId, "lost", "p"))!;
    await a.db.execute(sql`update reply_stream set updated_at = now() - interval '2 minutes' where id = ${ended}`);
    await a.db.execute(sql`update reply_stream set updated_at = now() - interval '11 minutes' where id = ${abandoned}`);
    await streams.startForUser(userId, threadId, "new", "p");
    await streams.prune();
    const left = (await a.db.execute(
      sql`select reply_id from reply_stream where thread_id = ${threadId}`,
    )) as unknown as { rows: { reply_id: string }[] };
    expect(left.rows.map((r) => r.reply_id)).toEqual(["new"]);
    const chunks = (await a.db.execute(
      sql`select count(*)::int as n from reply_stream_chunk where stream_id = ${ended}`,
    )) as unknown as { rows: { n: number }[] };
    expect(chunks.rows[0].n).toBe(0);
  });
});
