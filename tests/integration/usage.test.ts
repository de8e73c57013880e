import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "@/db/connect";
import { message, thread, user } from "@/db/schema";
import { ApiError } from "@/lib/http/errors";
import { createUsage, readTokenQuota, replyUsageOf } from "@/lib/chat/usage";
import { engines } from "../support/databases";
import { uniqueEmail } from "../support/unique-email";

describe("usage", () => {
  it("keeps the counts the provider sent and leaves the others out", () => {
    expect(
      replyUsageOf({ inputTokens: 12, outputTokens: 5, totalTokens: 17, outputTokenDetails: { reasoningTokens: 3 } }),
    ).toEqual({
      inputTokens: 12,
      outputTokens: 5,
      totalTokens: 17,
      reasoningTokens: 3,
    });
    expect(replyUsageOf({ inputTokens: undefined, outputTokens: undefined })).toBeUndefined();
    expect(replyUsageOf(undefined)).toBeUndefined();
  });

  it("reads TOKEN_QUOTA_PER_MONTH", () => {
    expect(readTokenQuota({})).toBeNull();
    expect(readTokenQuota({ TOKEN_QUOTA_PER_MONTH: "1000" })).toBe(1000);
    expect(() => readTokenQuota({ TOKEN_QUOTA_PER_MONTH: "lots" })).toThrow(/TOKEN_QUOTA_PER_MONTH/);
  });
});

describe.each(engines)("usage and quotas on $name", ({ open }) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = open();
    await handle.ready();
  });
  afterAll(() => handle.close());

  async function replyInNewThread() {
    const userId = randomUUID();
    await handle.db.insert(user).values({ id: userId, name: "u", email: uniqueEmail("usage") });
    const [t] = await handle.db.insert(thread).values({ userId }).returning({ id: thread.id });
    await handle.db.insert(message).values({
      threadId: t.id,
      id: "r1",
      role: "assistant",
      format: "ai-sdk/v6",
      content: { role: "assistant", parts: [] },
    });
    return { userId, threadId: t.id };
  }

  it("records a reply on its row and in the month, survives the thread's deletion, and stops at the quota", async () => {
    const { userId, threadId } = await replyInNewThread();
    const usage = createUsage(handle.db, 100);
    await usage.recordReplyForUser(userId, threadId, "r1", "m-1", { inputTokens: 40, outputTokens: 30 });
    const [row] = await handle.db
      .select({ model: message.model, usage: message.usage })
      .from(message)
      .where(eq(message.threadId, threadId));
    expect(row).toEqual({ model: "m-1", usage: { inputTokens: 40, outputTokens: 30 } });
    await expect(usage.assertWithinQuotaForUser(userId)).resolves.toBeUndefined();

    await handle.db.delete(thread).where(eq(thread.id, threadId));
    expect(await usage.thisMonthForUser(userId)).toEqual([
      { model: "m-1", messages: 1, inputTokens: 40, outputTokens: 30, reasoningTokens: 0, cachedInputTokens: 0 },
    ]);

    const second = await handle.db.insert(thread).values({ userId }).returning({ id: thread.id });
    await handle.db
      .insert(message)
      .values({ threadId: second[0].id, id: "r2", role: "assistant", format: "ai-sdk/v6", content: {} });
    await usage.recordReplyForUser(userId, second[0].id, "r2", "m-1", { inputTokens: 20, outputTokens: 10 });
    const refused = await usage.assertWithinQuotaForUser(userId).then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ code: "quota_exceeded", status: 429 });
    expect(Number((refused as ApiError).headers["Retry-After"])).toBeGreaterThan(0);
    // Someone else's quota is their own.
    const other = await replyInNewThread();
    await expect(usage.assertWithinQuotaForUser(other.userId)).resolves.toBeUndefined();
  });

  it("a quota an admin set for one person wins over TOKEN_QUOTA_PER_MONTH", async () => {
    const { userId, threadId } = await replyInNewThread();
    await createUsage(handle.db, null).recordReplyForUser(userId, threadId, "r1", "m", {
      inputTokens: 60,
      outputTokens: 10,
    });
    const noDefault = createUsage(handle.db, null);
    await expect(noDefault.assertWithinQuotaForUser(userId, null)).resolves.toBeUndefined();
    await expect(noDefault.assertWithinQuotaForUser(userId, 50)).rejects.toMatchObject({
      code: "quota_exceeded",
      message: /50 tokens/,
    });
    const withDefault = createUsage(handle.db, 40);
    await expect(withDefault.assertWithinQuotaForUser(userId, null)).rejects.toMatchObject({ code: "quota_exceeded" });
    await expect(withDefault.assertWithinQuotaForUser(userId, 1000)).resolves.toBeUndefined();
    await withDefault.setQuotaForUser(userId, 1000);
    const [row] = await handle.db.select({ tokenQuota: user.tokenQuota }).from(user).where(eq(user.id, userId));
    expect(row.tokenQuota).toBe(1000);
  });

  it("records nothing for a thread that is not the user's", async () => {
    const { threadId } = await replyInNewThread();
    const stranger = randomUUID();
    await handle.db.insert(user).values({ id: stranger, name: "x", email: uniqueEmail("stranger") });
    await createUsage(handle.db, null).recordReplyForUser(stranger, threadId, "r1", "m", { inputTokens: 1 });
    const rows = (await handle.db.execute(
      sql`select count(*)::int as n from usage_month where user_id = ${stranger}`,
    )) as unknown as { rows: { n: number }[] };
    expect(rows.rows[0].n).toBe(0);
    const [row] = await handle.db.select({ usage: message.usage }).from(message).where(eq(message.threadId, threadId));
    expect(row.usage).toBeNull();
  });
});
