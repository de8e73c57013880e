import { randomBytes } from "node:crypto";
import type { UIMessage, UIMessageChunk } from "ai";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createAuth } from "@/auth";
import type { DatabaseHandle } from "@/db/connect";
import { message, replyStream, replyStreamChunk, userInstructions, workspace, workspaceMember } from "@/db/schema";
import { createThreadStore } from "@/lib/chat/threads";
import { createProjectIndexer } from "@/lib/projects/indexer";
import { createProjectFileStore } from "@/lib/projects/project-files";
import { createProjectStore } from "@/lib/projects/projects";
import { readAll } from "@/lib/shared/streams";
import { engines, testEnv } from "../support/databases";
import { uniqueEmail } from "../support/unique-email";
import { startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai";

/**
 * A chat turn in a project thread (lib/chat/turn.ts with lib/projects/turn-context.ts), short of
 * HTTP, on both engines and both API shapes: the model gets the person's instructions, then the
 * project's, then the passages of the project's files that match the message, as its system
 * message; the reply's stream carries those passages as `source-url` chunks right after `start`,
 * and the stored reply and the recording (what a reload replays) hold them. A thread outside any
 * project gets no system message and no sources; another project's passages never reach the
 * model; the browser's settled copy does not replace a reply with sources; instructions that
 * cannot be read fail the turn with a 503 and leave no recording.
 */

vi.hoisted(() => {
  Object.assign(process.env, { CHAT_RATE_LIMIT_PER_MINUTE: "1000", CHAT_RATE_LIMIT_PER_DAY: "100000" });
});

const pglite = engines.find((e) => e.name === "pglite")!;
const postgres = engines.find((e) => e.name === "postgres")!;
const newId = () => randomBytes(12).toString("hex");
const file = (name: string, text: string) => ({ name, bytes: new TextEncoder().encode(text) });

describe.each([
  { name: "Chat Completions on PGlite", api: "chat", engine: pglite },
  { name: "the Responses API on PostgreSQL", api: "responses", engine: postgres },
])("project turns: $name", ({ api, engine }) => {
  let handle: DatabaseHandle;
  let fake: FakeOpenAI;
  let startTurn: typeof import("@/lib/chat/turn").startTurn;
  let replyStreams: typeof import("@/lib/chat/reply-streams").replyStreams;
  let auth: ReturnType<typeof createAuth>;
  let threads: ReturnType<typeof createThreadStore>;
  let projects: ReturnType<typeof createProjectStore>;
  let files: ReturnType<typeof createProjectFileStore>;
  let indexer: ReturnType<typeof createProjectIndexer>;

  const newUser = async (name = "Person") => {
    const { user } = await auth.api.signUpEmail({
      body: { name, email: uniqueEmail(name.toLowerCase()), password: "correct horse" },
    });
    return user.id;
  };
  /** A workspace with these members (the first its owner), written as better-auth's plugin would. */
  const createWorkspace = async (members: string[]) => {
    const id = newId();
    await handle.db.insert(workspace).values({ id, name: "Team", slug: `team-${id.slice(0, 12)}` });
    for (const [i, userId] of members.entries())
      await handle.db
        .insert(workspaceMember)
        .values({ id: newId(), organizationId: id, userId, role: i === 0 ? "owner" : "member" });
    return id;
  };
  const indexAll = async () => {
    while (await indexer.runOnce());
  };
  /** A personal project of `userId` with these files, indexed. */
  async function projectWith(userId: string, instructions: string, ...texts: [string, string][]) {
    const created = await projects.createProjectForUser(userId, null, { name: `Project ${newId()}`, instructions });
    for (const [name, text] of texts) {
      const uploaded = await files.uploadFileForUser(userId, created.id, file(name, text));
      expect(uploaded).toMatchObject({ status: "queued" });
    }
    await indexAll();
    return created;
  }

  type Turn = { chunks: UIMessageChunk[]; stored: UIMessage; replyId: string; recorded: string };
  async function turn(userId: string, threadId: string, text: string): Promise<Turn> {
    const replyId = newId();
    const stream = await startTurn({
      user: { id: userId },
      threadId,
      messages: [{ id: newId(), role: "user", parts: [{ type: "text", text }] }],
      replyId,
    });
    const chunks: UIMessageChunk[] = [];
    for await (const chunk of readAll(stream)) chunks.push(chunk);
    expect(await replyStreams.replyEndedForUser(userId, threadId, replyId, 20_000)).toBe(true);
    const [stored] = await handle.db
      .select({ content: message.content })
      .from(message)
      .where(and(eq(message.threadId, threadId), eq(message.id, replyId)));
    const recorded = (
      await handle.db
        .select({ data: replyStreamChunk.data })
        .from(replyStreamChunk)
        .innerJoin(replyStream, eq(replyStream.id, replyStreamChunk.streamId))
        .where(and(eq(replyStream.threadId, threadId), eq(replyStream.replyId, replyId)))
    )
      .map((r) => r.data)
      .join("");
    return { chunks, stored: stored.content as UIMessage, replyId, recorded };
  }
  const systemFor = (text: string) => fake.systems().findLast((s) => s.userText === text)?.system ?? null;
  const sourcesOf = (parts: { type: string }[]) =>
    parts.filter((p) => p.type === "source-url") as {
      type: "source-url";
      sourceId: string;
      url: string;
      title: string;
    }[];

  beforeAll(async () => {
    fake = await startFakeOpenAI({ tokenDelayMs: 1 });
    Object.assign(process.env, {
      OPENAI_BASE_URL: fake.url,
      OPENAI_API_KEY: "test-key",
      OPENAI_API_MODE: api,
      OPENAI_MODEL: "fake-model",
    });
    delete process.env.OPENAI_EMBEDDING_MODEL;
    handle = engine.open();
    await handle.ready();
    // The app's modules use the process's database: this one, fresh modules per engine.
    (globalThis as { appDatabase?: DatabaseHandle }).appDatabase = handle;
    vi.resetModules();
    startTurn = (await import("@/lib/chat/turn")).startTurn;
    replyStreams = (await import("@/lib/chat/reply-streams")).replyStreams;
    auth = createAuth(handle.db, testEnv());
    threads = createThreadStore(handle.db);
    projects = createProjectStore(handle.db);
    files = createProjectFileStore(handle.db);
    indexer = createProjectIndexer({ db: handle.db, embedder: () => null });
  });
  afterAll(async () => {
    await indexer?.stop();
    await fake?.close();
    await handle?.close();
    delete (globalThis as { appDatabase?: DatabaseHandle }).appDatabase;
  });

  it("hands the model the person's instructions, the project's and the matching passages, and the reply names them as sources", async () => {
    const userId = await newUser();
    await projects.setPersonalInstructions(userId, "Call me Captain.");
    const project = await projectWith(
      userId,
      "Answer in German.",
      ["garden.md", "# Garden\n\nThe tomatoes are watered every Tuesday at dawn by the garden robot.\n"],
      ["kitchen.md", "# Kitchen\n\nThe oven is cleaned on the first Monday of each month.\n"],
    );
    const thread = await threads.createThreadForUser(userId, { projectId: project.id });
    expect(thread.projectId).toBe(project.id);

    const text = "When are the tomatoes watered?";
    const t = await turn(userId, thread.id, text);
    const system = systemFor(text);
    expect(system).toContain("Call me Captain.");
    expect(system).toContain("Answer in German.");
    // The person's instructions come first, then the project's, then the passages.
    expect(system!.indexOf("Call me Captain.")).toBeLessThan(system!.indexOf("Answer in German."));
    expect(system).toContain("watered every Tuesday at dawn");
    expect(system).not.toContain("oven is cleaned");
    // The passage is fenced with this turn's nonce, its file name quoted.
    expect(system).toMatch(/^=====BEGIN PASSAGE [0-9a-f]{24} \[1\] "garden\.md" · passage 1=====$/m);

    // The sources come right after `start`, before the model's first step.
    const types = t.chunks.map((c) => c.type);
    expect(types[0]).toBe("start");
    const sources = sourcesOf(t.chunks);
    expect(sources.length).toBeGreaterThanOrEqual(1);
    expect(types.slice(1, 1 + sources.length)).toEqual(sources.map(() => "source-url"));
    expect(types[1 + sources.length]).toBe("start-step");
    const [first] = sources;
    const gardenFile = (await files.listFilesForUser(userId, project.id))!.find((f) => f.name === "garden.md")!;
    expect(first).toEqual({
      type: "source-url",
      sourceId: `${gardenFile.id}:1`,
      url: `/projects/${project.id}/files/${gardenFile.id}?passage=1`,
      title: "garden.md · passage 1",
    });
    // Stored and recorded as streamed: a reload shows the same sources.
    expect(sourcesOf(t.stored.parts)).toEqual(sources);
    expect(t.stored.parts[0]).toEqual(first);
    expect(t.recorded).toContain(JSON.stringify(first));
    // The reply itself is the model's, as always.
    expect(t.stored.parts.some((p) => p.type === "text")).toBe(true);

    // The [system] marker: the model repeats what it was told (what the browser test reads).
    const echoed = await turn(userId, thread.id, "[system] tomatoes watered");
    const reply = echoed.stored.parts.flatMap((p) => (p.type === "text" ? [p.text] : [])).join("");
    expect(reply).toBe(`System: ${systemFor("[system] tomatoes watered")}`);
  });

  it("a thread outside any project, of a person without instructions, gets no system message and no sources", async () => {
    const userId = await newUser();
    const thread = await threads.createThreadForUser(userId);
    const text = `plain turn ${newId()}`;
    const t = await turn(userId, thread.id, text);
    expect(fake.systems().findLast((s) => s.userText === text)).toEqual({ userText: text, system: null });
    expect(sourcesOf(t.chunks)).toEqual([]);
    expect(t.chunks.map((c) => c.type).filter((type) => type !== "text-delta")).toEqual([
      "start",
      "start-step",
      "text-start",
      "text-end",
      "finish-step",
      "finish",
    ]);
    // Personal instructions alone: a system message, still no sources.
    await projects.setPersonalInstructions(userId, "Be terse.");
    const again = `plain again ${newId()}`;
    const t2 = await turn(userId, thread.id, again);
    expect(systemFor(again)).toContain("Be terse.");
    expect(sourcesOf(t2.chunks)).toEqual([]);
    // "" removes them.
    await projects.setPersonalInstructions(userId, "");
    expect(await handle.db.select().from(userInstructions).where(eq(userInstructions.userId, userId))).toEqual([]);
  });

  it("never hands the model another project's passages, nor a project the thread has left", async () => {
    const userId = await newUser();
    const mine = await projectWith(userId, "", ["boats.md", "# Boats\n\nThe red sailboat is moored at pier nine.\n"]);
    const other = await projectWith(userId, "Other project rules.", [
      "zeppelins.md",
      "# Zeppelins\n\nThe silver zeppelin is moored at hangar four.\n",
    ]);
    const thread = await threads.createThreadForUser(userId, { projectId: mine.id });
    const text = "Where is the silver zeppelin moored?";
    const t = await turn(userId, thread.id, text);
    expect(systemFor(text) ?? "").not.toContain("hangar four");
    expect(systemFor(text) ?? "").not.toContain("Other project rules.");
    expect(sourcesOf(t.chunks).every((s) => s.url.startsWith(`/projects/${mine.id}/`))).toBe(true);

    // Moved out: no project, no passages.
    expect(await threads.setThreadProjectForUser(userId, thread.id, null)).toMatchObject({ projectId: null });
    const out = "Where is the red sailboat moored?";
    const t2 = await turn(userId, thread.id, out);
    expect(systemFor(out)).toBeNull();
    expect(sourcesOf(t2.chunks)).toEqual([]);
    expect(other.id).not.toBe(mine.id);
  });

  it("keeps a stored reply's sources when the browser's settled copy (text only) arrives", async () => {
    const userId = await newUser();
    const project = await projectWith(userId, "", [
      "bees.md",
      "# Bees\n\nThe beehive produces clover honey in June.\n",
    ]);
    const thread = await threads.createThreadForUser(userId, { projectId: project.id });
    const t = await turn(userId, thread.id, "What honey does the beehive produce?");
    expect(sourcesOf(t.stored.parts).length).toBeGreaterThanOrEqual(1);
    const [row] = await handle.db
      .select({ parentId: message.parentId })
      .from(message)
      .where(and(eq(message.threadId, thread.id), eq(message.id, t.replyId)));
    await threads.saveMessageForUser(
      userId,
      thread.id,
      {
        id: t.replyId,
        parentId: row.parentId,
        role: "assistant",
        format: "ai-sdk/v6",
        content: { role: "assistant", parts: [{ type: "text", text: "the browser's copy" }] },
        status: "complete",
      },
      "replace",
    );
    const [after] = await handle.db
      .select({ content: message.content })
      .from(message)
      .where(and(eq(message.threadId, thread.id), eq(message.id, t.replyId)));
    expect(after.content).toEqual(t.stored);
  });

  it("moves and starts threads only in projects their author may use, of the thread's own space", async () => {
    const author = await newUser("Author");
    const stranger = await newUser("Stranger");
    const own = await projects.createProjectForUser(author, null, { name: "Own", instructions: "" });
    const theirs = await projects.createProjectForUser(stranger, null, { name: "Theirs", instructions: "" });
    const space = await createWorkspace([author, stranger]);
    const inSpace = await projects.createProjectForUser(author, space, { name: "In space", instructions: "" });
    const thread = await threads.createThreadForUser(author);

    expect(await threads.setThreadProjectForUser(author, thread.id, own.id)).toMatchObject({ projectId: own.id });
    // Another person's personal project, and a project of another space: not usable here.
    expect(await threads.setThreadProjectForUser(author, thread.id, theirs.id)).toBe("project");
    expect(await threads.setThreadProjectForUser(author, thread.id, inSpace.id)).toBe("project");
    // Someone else moving the author's thread: no such thread, whatever the project.
    expect(await threads.setThreadProjectForUser(stranger, thread.id, theirs.id)).toBeNull();
    expect(await threads.setThreadProjectForUser(stranger, thread.id, null)).toBeNull();
    expect((await threads.getOwnThreadForUser(author, thread.id))?.projectId).toBe(own.id);

    // Starting one: the same rules, in the same statement.
    await expect(threads.createThreadForUser(author, { projectId: theirs.id })).rejects.toMatchObject({
      code: "not_found",
      message: "Project not found.",
    });
    await expect(threads.createThreadForUser(author, { projectId: inSpace.id })).rejects.toMatchObject({
      message: "Project not found.",
    });
    // A member of the space may start a thread in its project, in that space.
    const memberThread = await threads.createThreadForUser(stranger, { workspaceId: space, projectId: inSpace.id });
    expect(memberThread).toMatchObject({ workspaceId: space, projectId: inSpace.id });
    // Deleting the project keeps its threads, in no project.
    expect(await projects.deleteProjectForUser(author, inSpace.id)).toBe("done");
    expect((await threads.getOwnThreadForUser(stranger, memberThread.id))?.projectId).toBeNull();
  });

  it("fails the turn with a 503, and records nothing, when the instructions cannot be read", async () => {
    const userId = await newUser();
    const thread = await threads.createThreadForUser(userId);
    vi.resetModules();
    vi.doMock("@/lib/projects/turn-context", () => ({
      turnContextForUser: () => Promise.reject(new Error("connection lost")),
    }));
    try {
      const failing = (await import("@/lib/chat/turn")).startTurn;
      const error = await failing({
        user: { id: userId },
        threadId: thread.id,
        messages: [{ id: newId(), role: "user", parts: [{ type: "text", text: "hello" }] }],
        replyId: newId(),
      }).catch((e: unknown) => e);
      // The turn module was loaded afresh, with its own copy of ApiError: compared by shape.
      expect(error).toMatchObject({ name: "ApiError", code: "service_unavailable", status: 503 });
      expect(await handle.db.select().from(replyStream).where(eq(replyStream.threadId, thread.id))).toEqual([]);
    } finally {
      vi.doUnmock("@/lib/projects/turn-context");
    }
  });
});
