import { randomBytes, randomUUID } from "node:crypto";
import type { UIMessage, UIMessageChunk } from "ai";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createAuth } from "@/auth";
import type { DatabaseHandle } from "@/db/connect";
import { auditEvent, chatUsage, message, replyStream, replyStreamChunk, threadTool, toolCall } from "@/db/schema";
import { createThreadStore } from "@/lib/chat/threads";
import { createReplyStreams } from "@/lib/chat/reply-streams";
import { createApprovals } from "@/lib/tools/approvals";
import { readAll } from "@/lib/shared/streams";
import { queryRows } from "@/lib/db/rows";
import { engines, testEnv } from "../support/databases";
import { uniqueEmail } from "../support/unique-email";
import { startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai";
import { failMessage, startMcpServer, type TestMcpServer } from "../support/mcp-server";

/**
 * A chat turn with MCP tools (lib/chat/turn.ts, lib/tools/tool-turn.ts) end to end, short of
 * HTTP: the fake model calls tools in both API shapes (Chat Completions on PGlite, the Responses
 * API on PostgreSQL), a real MCP server on 127.0.0.1 runs them, and the person's answers go
 * through decideToolCallForUser as the route sends them. Checked: the model continues after a
 * result; ask / deny / always allow / no answer; `never` is not offered; the step limit; Stop
 * while waiting and while a tool runs; cut results, argument and rate limits; audit rows without
 * arguments or results; usage of every step; the recording carries the tool chunks; and a turn
 * without tools is what it always was.
 */

vi.hoisted(() => {
  Object.assign(process.env, {
    MCP_ALLOWED_HOSTS: "127.0.0.1",
    MCP_MAX_RESULT_BYTES: "1000",
    MCP_MAX_STEPS: "3",
    MCP_APPROVAL_TIMEOUT_MS: "2500",
    MCP_MAX_ARGUMENT_BYTES: "400",
    MCP_TOOL_TIMEOUT_MS: "10000",
    CHAT_RATE_LIMIT_PER_MINUTE: "1000",
    CHAT_RATE_LIMIT_PER_DAY: "100000",
    CREDENTIALS_SECRET: "tool-turn-test-secret",
  });
});

type Modules = {
  startTurn: typeof import("@/lib/chat/turn").startTurn;
  catalog: (typeof import("@/lib/tools/catalog"))["toolCatalog"];
  replyStreams: typeof import("@/lib/chat/reply-streams").replyStreams;
  metrics: typeof import("@/lib/observability/metrics").metrics;
  toolTurn: typeof import("@/lib/tools/tool-turn");
  approvals: typeof import("@/lib/tools/approvals").approvals;
  readToolLimits: typeof import("@/lib/tools/limits").readToolLimits;
};

const pglite = engines.find((e) => e.name === "pglite")!;
const postgres = engines.find((e) => e.name === "postgres")!;
const newId = () => randomBytes(12).toString("hex");

describe.each([
  { name: "Chat Completions on PGlite", api: "chat", engine: pglite },
  { name: "the Responses API on PostgreSQL", api: "responses", engine: postgres },
])("tool turns: $name", ({ api, engine }) => {
  let handle: DatabaseHandle;
  let fake: FakeOpenAI;
  let mcp: TestMcpServer;
  let m: Modules;
  let auth: ReturnType<typeof createAuth>;
  let threads: ReturnType<typeof createThreadStore>;
  let admin: string;
  let serverId: string;
  let serverName: string;

  const newUser = async (name = "Person") => {
    const { user } = await auth.api.signUpEmail({
      body: { name, email: uniqueEmail(name.toLowerCase()), password: "correct horse" },
    });
    return user.id;
  };
  /** A person with a thread in which `tools` are switched on (`always`: "always allow" too). */
  async function personWith(tools: string[], always = false) {
    const userId = await newUser();
    const t = await threads.createThreadForUser(userId);
    for (const tool of tools)
      await m.catalog.setThreadTool(userId, t.id, { serverId, tool, enabled: true, alwaysAllow: always });
    return { userId, threadId: t.id };
  }

  type Turn = {
    chunks: UIMessageChunk[];
    stored: { content: UIMessage; status: string; usage: unknown };
    replyId: string;
  };
  /** One turn; `onChunk` sees each chunk as the browser would (and may answer or Stop). */
  async function turn(
    who: { userId: string; threadId: string },
    text: string,
    onChunk?: (chunk: UIMessageChunk) => Promise<void> | void,
  ): Promise<Turn> {
    const replyId = newId();
    const stream = await m.startTurn({
      user: { id: who.userId },
      threadId: who.threadId,
      messages: [{ id: newId(), role: "user", parts: [{ type: "text", text }] }],
      replyId,
    });
    const chunks: UIMessageChunk[] = [];
    for await (const chunk of readAll(stream)) {
      chunks.push(chunk);
      await onChunk?.(chunk);
    }
    expect(await m.replyStreams.replyEndedForUser(who.userId, who.threadId, replyId, 20_000)).toBe(true);
    const [stored] = await handle.db
      .select({ content: message.content, status: message.status, usage: message.usage })
      .from(message)
      .where(and(eq(message.threadId, who.threadId), eq(message.id, replyId)));
    return { chunks, stored: stored as Turn["stored"], replyId };
  }
  const textOf = (t: Turn) =>
    t.chunks
      .flatMap((c) => (c.type === "text-delta" ? [c.delta] : []))
      .join("")
      .trim();
  const toolParts = (t: Turn) =>
    t.stored.content.parts.filter((p) => p.type === "dynamic-tool") as Extract<
      UIMessage["parts"][number],
      { type: "dynamic-tool" }
    >[];
  const approvals = (t: Turn) =>
    t.chunks.flatMap((c) =>
      c.type === "data-tool-approval" ? [(c as { data: { state: string; tool: string } }).data] : [],
    );
  const toolAudit = async (userId: string) =>
    (
      await handle.db
        .select({ outcome: auditEvent.outcome, detail: auditEvent.detail })
        .from(auditEvent)
        .where(and(eq(auditEvent.actorId, userId), eq(auditEvent.action, "tool_called")))
    ).map((r) => r.detail as Record<string, unknown>);
  const callsOf = (tool: string) => mcp.calls.filter((c) => c.tool === tool).length;
  const lastExchange = (text: string) =>
    fake
      .toolExchanges()
      .filter((e) => e.text === text && e.api === api)
      .at(-1);
  /** Answers every awaiting call at once, as the Run / Deny buttons would. */
  const answer =
    (who: { userId: string; threadId: string }, decision: "run" | "deny", always = false) =>
    async (chunk: UIMessageChunk) => {
      if (chunk.type !== "data-tool-approval") return;
      const data = (chunk as { data: { state: string; toolCallId: string } }).data;
      if (data.state === "awaiting")
        await m.catalog.decideToolCallForUser(who.userId, who.threadId, data.toolCallId, decision, always);
    };

  beforeAll(async () => {
    [fake, mcp] = await Promise.all([startFakeOpenAI({ tokenDelayMs: 1 }), startMcpServer()]);
    Object.assign(process.env, {
      OPENAI_BASE_URL: fake.url,
      OPENAI_API_KEY: "test-key",
      OPENAI_API_MODE: api,
      OPENAI_MODEL: "fake-model",
    });
    handle = engine.open();
    await handle.ready();
    // The app's modules use the process's database: this one, fresh modules per API.
    (globalThis as { appDatabase?: DatabaseHandle }).appDatabase = handle;
    vi.resetModules();
    m = {
      startTurn: (await import("@/lib/chat/turn")).startTurn,
      catalog: (await import("@/lib/tools/catalog")).toolCatalog,
      replyStreams: (await import("@/lib/chat/reply-streams")).replyStreams,
      metrics: (await import("@/lib/observability/metrics")).metrics,
      toolTurn: await import("@/lib/tools/tool-turn"),
      approvals: (await import("@/lib/tools/approvals")).approvals,
      readToolLimits: (await import("@/lib/tools/limits")).readToolLimits,
    };
    auth = createAuth(handle.db, testEnv());
    threads = createThreadStore(handle.db);
    admin = await newUser("Admin");
    serverName = `Test tools ${newId().slice(0, 6)}`;
    const server = await m.catalog.createServer(admin, { name: serverName, url: mcp.url, auth: "none" });
    expect(server.status).toBe("ok");
    serverId = server.id;
    await m.catalog.updateServer(admin, serverId, {
      tools: [
        { name: "echo", offered: true, policy: "ask" },
        { name: "add", offered: true, policy: "allow" },
        { name: "slow", offered: true, policy: "allow" },
        { name: "huge", offered: true, policy: "allow" },
        { name: "fail", offered: true, policy: "allow" },
        { name: "image_links", offered: true, policy: "ask" },
      ],
    });
  });
  afterAll(async () => {
    await fake?.close();
    await mcp?.stop();
    await handle?.close();
    delete (globalThis as { appDatabase?: DatabaseHandle }).appDatabase;
  });

  it("a turn without tools is what it always was: no tools offered, one step, the same stream", async () => {
    const who = await personWith([]);
    const before = fake.toolExchanges().length;
    const t = await turn(who, "hello there");
    expect(fake.toolExchanges()).toHaveLength(before);
    expect(textOf(t)).toBe("Fake model says: hello there — done.");
    expect(t.chunks.map((c) => c.type).filter((type) => type !== "text-delta")).toEqual([
      "start",
      "start-step",
      "text-start",
      "text-end",
      "finish-step",
      "finish",
    ]);
    expect(t.stored.status).toBe("complete");
  });

  it("an `allow` tool runs at once, the model continues with its result, and every step's tokens count", async () => {
    const who = await personWith(["add"]);
    const text = '[tool=add {"a":2,"b":3}]';
    const t = await turn(who, text);
    // Not asked: only the chunk that names the call's server and tool for the live reply.
    expect(approvals(t)).toEqual([
      { toolCallId: expect.any(String), state: "approved", server: serverName, tool: "add" },
    ]);
    expect(textOf(t)).toBe("Tool result: 5");
    const [part] = toolParts(t);
    expect(part).toMatchObject({
      toolName: "add",
      state: "output-available",
      input: { a: 2, b: 3 },
      output: { outcome: "allowed", text: "5" },
    });
    expect((part as { title?: string }).title).toBe(`${serverName} · add`);
    expect(t.stored.status).toBe("complete");
    expect(JSON.parse(lastExchange(text)!.result!)).toEqual({ outcome: "allowed", text: "5" });
    // Two model calls of 10 + 2 input tokens each; the call (1) and "Tool result: 5" (3) out.
    expect(t.stored.usage).toMatchObject({ inputTokens: 24, outputTokens: 4 });
    expect(await toolAudit(who.userId)).toEqual([
      expect.objectContaining({ serverId, server: serverName, tool: "add", outcome: "allowed", approval: "policy" }),
    ]);
    const counted = await m.metrics.registry.getSingleMetricAsString("tool_calls_total");
    expect(counted).toContain(`tool="add",outcome="allowed"`);
  });

  it("an `ask` tool waits for the person; Run runs it, and the recording carries the tool chunks", async () => {
    const who = await personWith(["echo"]);
    const calls = callsOf("echo");
    const t = await turn(who, '[tool=echo {"text":"hi there"}]', answer(who, "run"));
    expect(approvals(t)).toEqual([
      { toolCallId: expect.any(String), state: "awaiting", server: serverName, tool: "echo" },
      { toolCallId: expect.any(String), state: "approved", server: serverName, tool: "echo" },
    ]);
    expect(callsOf("echo")).toBe(calls + 1);
    expect(textOf(t)).toBe("Tool result: hi there");
    // Transient: not in the stored reply, which holds the call and its result.
    expect(JSON.stringify(t.stored.content)).not.toContain("data-tool-approval");
    expect(toolParts(t)[0]).toMatchObject({
      state: "output-available",
      output: { outcome: "allowed", text: "hi there" },
    });
    // A reload replays the recording: every chunk, the approval chunks and the tool's parts included.
    const recorded = (
      await queryRows<{ data: string }>(
        handle.db,
        sql`select c.data from ${replyStreamChunk} c join ${replyStream} s on s.id = c.stream_id
            where s.reply_id = ${t.replyId} order by c.seq`,
      )
    )
      .map((r) => r.data)
      .join("");
    for (const type of ["data-tool-approval", "tool-input-available", "tool-output-available"])
      expect(recorded).toContain(`"type":"${type}"`);
    expect(recorded).toContain('"state":"approved"');
    // The row is gone once the turn has its answer: a second answer finds nothing.
    expect(await handle.db.select().from(toolCall).where(eq(toolCall.threadId, who.threadId))).toEqual([]);
    expect((await toolAudit(who.userId))[0]).toMatchObject({ outcome: "allowed", approval: "asked" });
  });

  it("an answer another instance takes wakes the waiting turn at once (NOTIFY, not the 2 s re-read)", async () => {
    // PostgreSQL: a second connection pool and listener, as another instance has (PGlite is one process).
    const other = engine.name === "postgres" ? engine.open() : handle;
    await other.ready();
    try {
      const elsewhere = createApprovals(
        () => other,
        createReplyStreams(() => other),
      );
      const who = await personWith(["echo"]);
      let answeredAt = 0;
      let approvedAt = 0;
      const t = await turn(who, '[tool=echo {"text":"from afar"}]', async (chunk) => {
        if (chunk.type !== "data-tool-approval") return;
        const data = (chunk as { data: { state: string; toolCallId: string } }).data;
        if (data.state === "awaiting") {
          // A moment in, so the waiter is past its first read and sleeps on its notice.
          await new Promise((resolve) => setTimeout(resolve, 200));
          answeredAt = performance.now();
          expect(await elsewhere.decideForUser(who.userId, who.threadId, data.toolCallId, "run", false)).toBe(true);
        } else if (data.state === "approved") approvedAt = performance.now();
      });
      expect(textOf(t)).toBe("Tool result: from afar");
      if (engine.name === "postgres") expect(approvedAt - answeredAt).toBeLessThan(1000);
    } finally {
      if (engine.name === "postgres") await other.close();
    }
  });

  it("Deny: the tool does not run and the model is told the person declined", async () => {
    const who = await personWith(["echo"]);
    const calls = callsOf("echo");
    const text = '[tool=echo {"text":"no thanks"}]';
    const t = await turn(who, text, answer(who, "deny"));
    expect(callsOf("echo")).toBe(calls);
    expect(approvals(t).map((a) => a.state)).toEqual(["awaiting", "denied"]);
    expect(textOf(t)).toBe("Tool result: The person declined to run this tool.");
    expect(lastExchange(text)!.result).toContain("The person declined to run this tool.");
    expect(toolParts(t)[0].output).toEqual({ outcome: "denied", text: "The person declined to run this tool." });
    expect((await toolAudit(who.userId))[0]).toMatchObject({ outcome: "denied", approval: "asked" });
  });

  it("no answer in time counts as a denial", async () => {
    const who = await personWith(["echo"]);
    const t = await turn(who, '[tool=echo {"text":"anyone?"}]');
    expect(approvals(t).map((a) => a.state)).toEqual(["awaiting", "denied"]);
    expect(textOf(t)).toBe("Tool result: The person declined to run this tool.");
    expect((await toolAudit(who.userId))[0]).toMatchObject({ outcome: "denied", reason: "no_answer" });
  });

  it("Always allow: the next call of that tool in this thread runs without asking", async () => {
    const who = await personWith(["echo"]);
    await turn(who, '[tool=echo {"text":"first"}]', answer(who, "run", true));
    const [row] = await handle.db.select().from(threadTool).where(eq(threadTool.threadId, who.threadId));
    expect(row.alwaysAllow).toBe(true);
    const t = await turn(who, '[tool=echo {"text":"second"}]');
    expect(approvals(t).map((a) => a.state)).toEqual(["approved"]);
    expect(textOf(t)).toBe("Tool result: second");
    expect((await toolAudit(who.userId)).map((d) => d.approval).sort()).toEqual(["always", "asked"]);
  });

  it("a tool the admin sets to `never` is not offered, even where a person switched it on", async () => {
    const who = await personWith(["echo", "image_links"]);
    await m.catalog.updateServer(admin, serverId, { tools: [{ name: "image_links", policy: "never" }] });
    try {
      const text = "[tool=image_links]";
      const t = await turn(who, text);
      expect(lastExchange(text)!.offered).toEqual(["echo"]);
      expect(textOf(t)).toBe("Tool image_links is not offered.");
      expect(callsOf("image_links")).toBe(0);
    } finally {
      await m.catalog.updateServer(admin, serverId, { tools: [{ name: "image_links", policy: "ask" }] });
    }
  });

  it("the step limit ends a model that keeps calling tools", async () => {
    const who = await personWith(["add"]);
    const text = '[tool-loop=add {"a":1,"b":1}]';
    const t = await turn(who, text);
    expect(fake.toolExchanges().filter((e) => e.text === text && e.api === api)).toHaveLength(3);
    expect(toolParts(t)).toHaveLength(3);
    expect(t.chunks.filter((c) => c.type === "start-step")).toHaveLength(3);
    expect(await toolAudit(who.userId)).toHaveLength(3);
  });

  it("Stop while a call waits for the person: nothing runs, the reply is stored as stopped", async () => {
    const who = await personWith(["echo"]);
    const calls = callsOf("echo");
    const t = await turn(who, '[tool=echo {"text":"wait"}]', async (chunk) => {
      if (chunk.type === "data-tool-approval") await m.replyStreams.requestStopForUser(who.userId, who.threadId);
    });
    expect(callsOf("echo")).toBe(calls);
    expect(t.stored).toBeDefined();
    expect(t.stored.status).toBe("incomplete");
    expect(toolParts(t)[0]).toMatchObject({ toolName: "echo", input: { text: "wait" } });
    expect((await toolAudit(who.userId))[0]).toMatchObject({ outcome: "stopped" });
    expect(await handle.db.select().from(toolCall).where(eq(toolCall.threadId, who.threadId))).toEqual([]);
  });

  it("Stop while a slow tool runs: the call is aborted at once and the reply stored", async () => {
    const who = await personWith(["slow"]);
    const started = performance.now();
    const t = await turn(who, '[tool=slow {"ms":8000}]', async (chunk) => {
      if (chunk.type === "tool-input-available") {
        await new Promise((resolve) => setTimeout(resolve, 300));
        await m.replyStreams.requestStopForUser(who.userId, who.threadId);
      }
    });
    expect(performance.now() - started).toBeLessThan(5000);
    expect(t.stored.status).toBe("incomplete");
    expect((await toolAudit(who.userId))[0]).toMatchObject({ tool: "slow", outcome: "stopped" });
  });

  it("a huge result is cut to MCP_MAX_RESULT_BYTES and the model is told", async () => {
    const who = await personWith(["huge"]);
    const text = '[tool=huge {"bytes":5000}]';
    const t = await turn(who, text);
    const output = toolParts(t)[0].output as { outcome: string; text: string };
    expect(output.outcome).toBe("allowed");
    expect(Buffer.byteLength(output.text)).toBeLessThanOrEqual(1000);
    expect(output.text).toMatch(/\[Result cut: \d+ of 5000 bytes shown\]$/);
    expect(lastExchange(text)!.result).toContain("[Result cut:");
    expect((await toolAudit(who.userId))[0]).toMatchObject({ outcome: "allowed", resultBytes: 5000 });
  });

  it("a failing tool, oversized arguments and the per-person rate limit are reported to the model", async () => {
    const who = await personWith(["fail", "echo"], true);
    let t = await turn(who, "[tool=fail]");
    expect(toolParts(t)[0].output).toMatchObject({ outcome: "failed", text: expect.stringContaining(failMessage) });
    const calls = callsOf("echo");
    t = await turn(who, `[tool=echo {"text":"${"x".repeat(500)}"}]`);
    expect(toolParts(t)[0].output).toMatchObject({
      outcome: "failed",
      text: expect.stringMatching(/^Not run: the arguments are/),
    });
    expect(callsOf("echo")).toBe(calls);
    await handle.db
      .insert(chatUsage)
      .values({ userId: who.userId, window: "tool_minute", windowStart: sql`date_trunc('minute', now())`, count: 5000 })
      .onConflictDoUpdate({
        target: [chatUsage.userId, chatUsage.window],
        set: { count: 5000, windowStart: sql`date_trunc('minute', now())` },
      });
    t = await turn(who, '[tool=echo {"text":"too many"}]');
    expect(toolParts(t)[0].output).toMatchObject({
      outcome: "failed",
      text: expect.stringMatching(/tool calls per minute/),
    });
    expect(callsOf("echo")).toBe(calls);
    expect((await toolAudit(who.userId)).map((d) => String(d.reason ?? "none")).sort()).toEqual([
      "arguments_too_large",
      "none",
      "rate_limited",
    ]);
  });

  it("audit rows never carry a call's arguments or result", async () => {
    const who = await personWith(["echo"], true);
    const secret = `needle-${newId()}`;
    const t = await turn(who, `[tool=echo {"text":"${secret}"}]`);
    expect(textOf(t)).toBe(`Tool result: ${secret}`);
    const [{ n }] = await queryRows<{ n: number }>(
      handle.db,
      sql`select count(*)::int as n from ${auditEvent} where coalesce(detail::text, '') like ${`%${secret}%`}`,
    );
    expect(n).toBe(0);
    expect((await toolAudit(who.userId))[0]).toMatchObject({
      outcome: "allowed",
      approval: "always",
      resultBytes: secret.length,
    });
  });

  /**
   * The turn's tools driven directly, as the AI SDK would run a step's calls (all at once): the
   * real catalog, approvals and database; the server's call replaced by a counter.
   */
  async function directTurn(
    who: { userId: string; threadId: string },
    limits: Partial<ReturnType<Modules["readToolLimits"]>> = {},
  ) {
    const chunks: { type: string; data?: { state: string; toolCallId: string } }[] = [];
    const writer = { write: (chunk: never) => chunks.push(chunk), merge: () => {} } as unknown as Parameters<
      NonNullable<Awaited<ReturnType<Modules["toolTurn"]["prepareToolTurn"]>>>["tools"]
    >[0];
    const ran: string[] = [];
    const stop = new AbortController();
    const prepared = await m.toolTurn.prepareToolTurn(
      { userId: who.userId, threadId: who.threadId, streamId: randomUUID(), stop: stop.signal, span: () => undefined },
      {
        tools: (userId, threadId) => m.catalog.toolsForTurn(userId, threadId),
        approvals: m.approvals,
        call: async (_access, tool) => {
          ran.push(tool);
          return { outcome: "allowed", text: "ran", resultBytes: 3, cut: false };
        },
        log: { record: async () => {}, emailOf: async () => null },
        limits: () => ({ ...m.readToolLimits(), ...limits }),
      },
    );
    const set = prepared ? prepared.tools(writer) : {};
    const exec = (name: string, input: unknown, toolCallId: string) =>
      (
        set[name] as unknown as {
          execute: (
            input: unknown,
            options: { toolCallId: string; messages: []; abortSignal: AbortSignal },
          ) => Promise<{
            outcome: string;
            text: string;
          }>;
        }
      ).execute(input, { toolCallId, messages: [], abortSignal: stop.signal });
    return { set, exec, ran, chunks, stop };
  }

  it("runs at most MCP_MAX_CALLS_PER_TURN calls in a turn; the rest are not run and the model is told (F5)", async () => {
    const who = await personWith(["add"]);
    const t = await directTurn(who, { maxCallsPerTurn: 3 });
    const outputs = await Promise.all(
      Array.from({ length: 6 }, (_, i) => t.exec("add", { a: i, b: 1 }, `call_many_${i}`)),
    );
    expect(t.ran).toHaveLength(3);
    expect(outputs.filter((o) => o.outcome === "allowed")).toHaveLength(3);
    expect(outputs.filter((o) => /at most 3 tool calls/.test(o.text))).toHaveLength(3);
  });

  it("lets a person have at most MCP_MAX_PENDING_APPROVALS calls waiting; more are denied at once (F5)", async () => {
    const who = await personWith(["echo"]);
    const t = await directTurn(who, { maxPendingApprovals: 2, approvalTimeoutMs: 20_000 });
    const started = performance.now();
    const done: { outcome: string; text: string }[] = [];
    const waiting = [0, 1, 2, 3].map((i) =>
      t.exec("echo", { text: `${i}` }, `call_wait_${i}`).then((output) => (done.push(output), output)),
    );
    // Which two get in is up to the database (the calls of a step arrive at once); the other two are refused now.
    await vi.waitFor(() => expect(done).toHaveLength(2), { timeout: 8000 });
    expect(performance.now() - started).toBeLessThan(8000);
    for (const output of done)
      expect(output).toEqual({ outcome: "denied", text: expect.stringMatching(/already has 2 tool calls waiting/) });
    const open = await queryRows<{ tool_call_id: string }>(
      handle.db,
      sql`select tool_call_id from ${toolCall} where user_id = ${who.userId} and status = 'awaiting'`,
    );
    expect(open).toHaveLength(2);
    for (const { tool_call_id } of open)
      await m.catalog.decideToolCallForUser(who.userId, who.threadId, tool_call_id, "deny", false);
    expect((await Promise.all(waiting)).map((o) => o.outcome)).toEqual(["denied", "denied", "denied", "denied"]);
    expect(t.ran).toEqual([]);
  });

  it("re-checks that a tool is still usable right before each call: a revoked one is not run (F6)", async () => {
    const who = await personWith(["add", "echo"]);
    const t = await directTurn(who);
    expect(await t.exec("add", { a: 1, b: 1 }, "call_usable_1")).toMatchObject({ outcome: "allowed" });
    // The person switches the tool off in the thread mid-turn.
    await m.catalog.setThreadTool(who.userId, who.threadId, { serverId, tool: "add", enabled: false });
    expect(await t.exec("add", { a: 1, b: 1 }, "call_usable_2")).toMatchObject({
      outcome: "failed",
      text: expect.stringMatching(/no longer available/),
    });
    // The admin stops offering a tool while a call of it waits for the person's answer.
    const waiting = t.exec("echo", { text: "x" }, "call_usable_3");
    await vi.waitFor(() => expect(t.chunks.some((c) => c.data?.toolCallId === "call_usable_3")).toBe(true));
    await m.catalog.updateServer(admin, serverId, { tools: [{ name: "echo", offered: false }] });
    try {
      await m.catalog.decideToolCallForUser(who.userId, who.threadId, "call_usable_3", "run", false);
      expect(await waiting).toMatchObject({ outcome: "failed", text: expect.stringMatching(/no longer available/) });
    } finally {
      await m.catalog.updateServer(admin, serverId, { tools: [{ name: "echo", offered: true }] });
    }
    expect(t.ran).toEqual(["add"]);
  });

  it("binds an answer to the live call: repeated ids and ids nobody can answer (F8)", async () => {
    const who = await personWith(["echo"]);
    const t = await directTurn(who, { approvalTimeoutMs: 20_000 });
    // A decided row an earlier turn left under the same model id is not an answer for this call.
    await handle.db.insert(toolCall).values({
      userId: who.userId,
      threadId: who.threadId,
      streamId: randomUUID(),
      toolCallId: "call_0",
      serverId,
      toolName: "echo",
      status: "approved",
    });
    const first = t.exec("echo", { text: "a" }, "call_0");
    await vi.waitFor(() =>
      expect(t.chunks.some((c) => c.data?.toolCallId === "call_0" && c.data.state === "awaiting")).toBe(true),
    );
    expect(t.ran).toEqual([]);
    // A second live call under the same id: refused, and the first is denied too.
    const second = await t.exec("echo", { text: "b" }, "call_0");
    expect(second).toMatchObject({ outcome: "denied", text: expect.stringMatching(/same id/) });
    expect(await first).toMatchObject({ outcome: "denied" });
    expect(t.ran).toEqual([]);
    // An id the answer route cannot name is denied at once, not after the approval timeout.
    const started = performance.now();
    expect(await t.exec("echo", { text: "c" }, "call|with/odd chars")).toMatchObject({ outcome: "denied" });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(t.ran).toEqual([]);
  });

  it("an answer whose notice was lost is found by the instance's poller within seconds (F5)", async () => {
    const who = await personWith(["echo"]);
    const t = await directTurn(who, { approvalTimeoutMs: 20_000 });
    const started = performance.now();
    const waiting = t.exec("echo", { text: "quiet" }, "call_quiet_1");
    await vi.waitFor(() => expect(t.chunks.some((c) => c.data?.toolCallId === "call_quiet_1")).toBe(true));
    // Decided without NOTIFY, as if the notice never arrived.
    await handle.db.execute(
      sql`update ${toolCall} set status = 'approved', decided_at = now() where thread_id = ${who.threadId} and tool_call_id = 'call_quiet_1'`,
    );
    expect(await waiting).toMatchObject({ outcome: "allowed" });
    expect(performance.now() - started).toBeLessThan(8000);
    expect(t.ran).toEqual(["echo"]);
  });

  it("offers at most MCP_MAX_TOOLS_PER_TURN tools and MCP_MAX_TOOL_SCHEMA_BYTES_PER_TURN of schemas (F12)", async () => {
    const who = await personWith(["add", "echo", "fail", "huge"]);
    expect(Object.keys((await directTurn(who, { maxToolsPerTurn: 2 })).set)).toEqual(["add", "echo"]);
    const sizes = (await m.catalog.toolsForTurn(who.userId, who.threadId)).map((tool) =>
      Buffer.byteLength(JSON.stringify(tool.inputSchema)),
    );
    const budget = sizes[0]! + sizes[1]!;
    expect(Object.keys((await directTurn(who, { maxToolSchemaBytesPerTurn: budget })).set)).toEqual(["add", "echo"]);
  });
});

describe("model-visible tool names and labels", () => {
  let toolTurn: typeof import("@/lib/tools/tool-turn");
  beforeAll(async () => {
    toolTurn = await import("@/lib/tools/tool-turn");
  });

  it("qualifies every clashing name by its server, whatever the order (F11)", () => {
    const trusted = { tool: "send_email", server: "Mail", serverId: "s-mail" };
    const hostile = { tool: "send_email", server: "AAA tools", serverId: "s-aaa" };
    const other = { tool: "search", server: "Mail", serverId: "s-mail" };
    const names = toolTurn.modelToolNames([hostile, trusted, other]);
    expect(names).toEqual(["AAA_tools__send_email", "Mail__send_email", "search"]);
    expect(toolTurn.modelToolNames([trusted, hostile, other])).toEqual([names[1], names[0], names[2]]);
    // Servers whose names sanitize alike still get distinct names, within 64 characters.
    const twins = toolTurn.modelToolNames([
      { tool: "x".repeat(80), server: "a b", serverId: "1" },
      { tool: "x".repeat(80), server: "a_b", serverId: "2" },
    ]);
    expect(new Set(twins).size).toBe(2);
    for (const name of twins) expect(name).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
  });

  it("labels a call with the server, the title and the real tool name, without hidden characters (F13)", () => {
    expect(toolTurn.toolLabel({ server: "Repo\u202E", tool: "delete_repository", title: "Read\u200B README" })).toBe(
      "Repo · Read README (delete_repository)",
    );
    expect(toolTurn.toolLabel({ server: "Repo", tool: "add", title: null })).toBe("Repo · add");
  });

  it("caps the tools of a turn by count and schema bytes (F12)", () => {
    const tool = (bytes: number) => ({ inputSchema: { d: "x".repeat(bytes) } });
    const list = [tool(100), tool(100), tool(500), tool(50)];
    expect(toolTurn.capTurnTools(list, { maxToolsPerTurn: 2, maxToolSchemaBytesPerTurn: 10_000 }).kept).toHaveLength(2);
    const { kept, left } = toolTurn.capTurnTools(list, { maxToolsPerTurn: 64, maxToolSchemaBytesPerTurn: 400 });
    expect(kept).toEqual([list[0], list[1], list[3]]);
    expect(left).toBe(1);
  });
});
