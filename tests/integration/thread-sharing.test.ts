import { existsSync, mkdtempSync, readdirSync, rmSync, unlinkSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuth } from "@/auth";
import type { DatabaseHandle } from "@/db/connect";
import { attachment, attachmentBlob, message, thread, workspace, workspaceMember } from "@/db/schema";
import { storageFromEnv, type AttachmentStorage } from "@/lib/attachments/storage";
import { createAttachmentStore } from "@/lib/attachments/attachments";
import type { Env } from "@/lib/config/env";
import { createThreadStore, type MessageInput } from "@/lib/chat/threads";
import { engines, testEnv } from "../support/databases";
import { uniqueEmail } from "../support/unique-email";
import { makePng, sha256 } from "../support/files";
import { startS3Server } from "../support/s3-server";

/**
 * Sharing a workspace thread: what its readers may read (the shared branch and its files) and
 * "Continue as my own copy", on both engines and with every attachment storage.
 */

type Kind = { env: Env; countFiles: (userId: string) => Promise<number>; stop: () => Promise<void> };

async function filesystemKind(): Promise<Kind> {
  const dir = mkdtempSync(path.join(tmpdir(), "threadkeeper-share-"));
  const userDir = (userId: string) => path.join(dir, userId);
  return {
    env: { ATTACHMENT_STORAGE: "filesystem", ATTACHMENT_DIR: dir },
    countFiles: async (userId) => (existsSync(userDir(userId)) ? readdirSync(userDir(userId)).length : 0),
    stop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function s3Kind(): Promise<Kind> {
  const s3 = await startS3Server();
  const client = new S3Client({
    endpoint: s3.env.S3_ENDPOINT,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
  });
  return {
    env: s3.env,
    countFiles: async (userId) =>
      (await client.send(new ListObjectsV2Command({ Bucket: s3.env.S3_BUCKET, Prefix: `${userId}/` }))).KeyCount ?? 0,
    stop: s3.stop,
  };
}

const postgres = engines.find((e) => e.name === "postgres")!;
const pglite = engines.find((e) => e.name === "pglite")!;

const userMessage = (
  id: string,
  parentId: string | null,
  text: string,
  files: { id: string; name: string; type: string }[] = [],
): MessageInput => ({
  id,
  parentId,
  role: "user",
  format: "ai-sdk/v6",
  content: {
    role: "user",
    parts: [
      { type: "text", text },
      ...files.map((f) => ({ type: "file", mediaType: f.type, filename: f.name, url: `/api/attachments/${f.id}` })),
    ],
  },
  status: "complete",
});

const reply = (id: string, parentId: string, text: string): MessageInput => ({
  id,
  parentId,
  role: "assistant",
  format: "ai-sdk/v6",
  content: { role: "assistant", parts: [{ type: "text", text, state: "done" }] },
  status: "complete",
});

type StoredMessage = { id: string; parentId: string | null; content: { parts: { type: string; url?: string }[] } };

describe.each([
  { name: "PGlite, files in the database", engine: pglite, make: async (): Promise<Kind | null> => null },
  { name: "PostgreSQL, files in the database", engine: postgres, make: async (): Promise<Kind | null> => null },
  { name: "PostgreSQL, files in a directory", engine: postgres, make: filesystemKind },
  { name: "PostgreSQL, files in S3 (s3rver)", engine: postgres, make: s3Kind },
])("sharing a thread on $name", ({ engine, make }) => {
  let handle: DatabaseHandle;
  let kind: Kind | null;
  let storage: AttachmentStorage;
  let files: ReturnType<typeof createAttachmentStore>;
  let threads: ReturnType<typeof createThreadStore>;
  let auth: ReturnType<typeof createAuth>;

  const newUser = async (name: string) => {
    const { user } = await auth.api.signUpEmail({
      body: { name, email: uniqueEmail(name.toLowerCase()), password: "correct horse" },
    });
    return user.id;
  };

  const newId = () => randomBytes(16).toString("hex");
  async function newWorkspace(members: string[]) {
    const id = newId();
    await handle.db.insert(workspace).values({ id, name: "Team", slug: `team-${id.slice(0, 12)}` });
    for (const userId of members) await join(id, userId);
    return id;
  }
  const join = (workspaceId: string, userId: string) =>
    handle.db.insert(workspaceMember).values({ id: newId(), organizationId: workspaceId, userId, role: "member" });

  /** Rows and stored bytes of one user's attachments. */
  const filesOf = async (userId: string) => ({
    rows: (
      await handle.db
        .select({ n: sql<number>`count(*)::int` })
        .from(attachment)
        .where(eq(attachment.userId, userId))
    )[0].n,
    stored: kind
      ? await kind.countFiles(userId)
      : (
          await handle.db
            .select({ n: sql<number>`count(*)::int` })
            .from(attachmentBlob)
            .innerJoin(attachment, eq(attachment.id, attachmentBlob.attachmentId))
            .where(eq(attachment.userId, userId))
        )[0].n,
  });
  const threadsOf = async (userId: string) =>
    (
      await handle.db
        .select({ n: sql<number>`count(*)::int` })
        .from(thread)
        .where(eq(thread.userId, userId))
    )[0].n;
  const messagesOf = async (userId: string, threadId: string) =>
    JSON.parse((await threads.messagesJsonForUser(userId, threadId)) ?? '{"messages":[]}').messages as StoredMessage[];

  /**
   * Alice's workspace thread, shared with Bob (a member); Carol is in no workspace of theirs. Its
   * messages: q1 (with a.txt) → a1, then q1 edited as q2 (with b.png) → a2, the newest: the
   * shared branch is q2, a2; q1, a1 and a.txt are what Alice left behind.
   */
  async function sharedThread() {
    const [alice, bob, carol] = [await newUser("Alice"), await newUser("Bob"), await newUser("Carol")];
    const workspaceId = await newWorkspace([alice, bob]);
    const t = await threads.createThreadForUser(alice, { title: "Launch plan", workspaceId });
    const left = await files.uploadForUser(alice, { name: "a.txt", bytes: Buffer.from("the first draft") });
    const png = makePng(3, 3, 5);
    const kept = await files.uploadForUser(alice, { name: "b.png", bytes: png });
    const unsent = await files.uploadForUser(alice, { name: "later.txt", bytes: Buffer.from("not sent") });
    await threads.saveMessageForUser(alice, t.id, userMessage("q1", null, "secret first attempt", [left]), "keep");
    await threads.saveMessageForUser(alice, t.id, reply("a1", "q1", "first answer"), "keep");
    await threads.saveMessageForUser(alice, t.id, userMessage("q2", null, "the question", [kept]), "keep");
    await threads.saveMessageForUser(alice, t.id, reply("a2", "q2", "the answer"), "keep");
    expect(await threads.setSharedForUser(alice, t.id, true)).toMatchObject({ changed: true });
    return { alice, bob, carol, workspaceId, t, left, kept, unsent, png };
  }

  beforeAll(async () => {
    handle = engine.open();
    await handle.ready();
    kind = await make();
    const env = testEnv(kind?.env ?? { ATTACHMENT_STORAGE: "database" });
    storage = storageFromEnv(env, handle.db);
    files = createAttachmentStore(handle.db, () => storage);
    threads = createThreadStore(handle.db, () => storage);
    auth = createAuth(handle.db, env);
  });
  afterAll(async () => {
    await kind?.stop();
    await handle.close();
  });

  it("sharing and unsharing report a change once; a personal thread has nobody to share with", async () => {
    const [alice, bob] = [await newUser("Alice"), await newUser("Bob")];
    const workspaceId = await newWorkspace([alice, bob]);
    const t = await threads.createThreadForUser(alice, { workspaceId });
    expect(await threads.setSharedForUser(alice, t.id, true)).toMatchObject({
      changed: true,
      sharedAt: expect.any(Date),
    });
    expect(await threads.setSharedForUser(alice, t.id, true)).toMatchObject({
      changed: false,
      sharedAt: expect.any(Date),
    });
    expect(await threads.setSharedForUser(bob, t.id, false)).toBeNull();
    expect(await threads.setSharedForUser(alice, t.id, false)).toMatchObject({ changed: true, sharedAt: null });
    expect(await threads.setSharedForUser(alice, t.id, false)).toMatchObject({ changed: false, sharedAt: null });
    const personal = await threads.createThreadForUser(alice, {});
    expect(await threads.setSharedForUser(alice, personal.id, true)).toBe("personal");
    expect(await threads.setSharedForUser(alice, personal.id, false)).toBe("personal");
    expect(await threads.setSharedForUser(bob, personal.id, true)).toBeNull();
  });

  it("a reader reads the files of the shared branch only; anyone else, or after unsharing, finds none", async () => {
    const { alice, bob, carol, t, left, kept, unsent, png } = await sharedThread();
    expect(sha256((await files.readForUser(bob, kept.id))!.bytes)).toBe(sha256(png));
    expect(await files.readForUser(bob, left.id)).toBeNull();
    expect(await files.readForUser(bob, unsent.id)).toBeNull();
    for (const id of [kept.id, left.id, unsent.id]) {
      expect(await files.readForUser(carol, id)).toBeNull();
      expect(await files.readForUser(alice, id)).not.toBeNull();
    }
    // Every other file operation stays the owner's.
    expect(await files.deleteUnsentForUser(bob, unsent.id)).toBeNull();
    expect(await files.deleteUnsentForUser(bob, kept.id)).toBeNull();
    await expect(
      files.toModelParts(
        bob,
        t.id,
        [
          {
            id: "x",
            role: "user",
            parts: [{ type: "file", mediaType: "image/png", url: `/api/attachments/${kept.id}` }],
          },
        ],
        {
          pdfAsFile: false,
        },
      ),
    ).rejects.toMatchObject({ code: "bad_request" });

    await threads.setSharedForUser(alice, t.id, false);
    expect(await files.readForUser(bob, kept.id)).toBeNull();
    await threads.setSharedForUser(alice, t.id, true);
    expect(await files.readForUser(bob, kept.id)).not.toBeNull();
    // A reader who leaves the workspace reads nothing of it.
    await handle.db
      .delete(workspaceMember)
      .where(and(eq(workspaceMember.userId, bob), eq(workspaceMember.organizationId, t.workspaceId!)));
    expect(await files.readForUser(bob, kept.id)).toBeNull();
  });

  it("continue as my own copy: the shared branch, with its files under new ids, in a new private thread of the copier", async () => {
    const { alice, bob, workspaceId, t, left, kept, png } = await sharedThread();
    const sourceBefore = await messagesOf(alice, t.id);
    const aliceFiles = await filesOf(alice);

    const copy = await threads.copySharedBranchForUser(bob, t.id);
    expect(copy).toMatchObject({ title: "Launch plan", workspaceId, sharedAt: null, status: "regular" });
    expect(copy!.id).not.toBe(t.id);
    expect(await threads.getThreadForUser(bob, copy!.id)).toMatchObject({ own: true });
    // The copy is Bob's alone: private, even to the author of what it was copied from.
    expect(await threads.getThreadForUser(alice, copy!.id)).toBeNull();

    const copied = await messagesOf(bob, copy!.id);
    expect(copied.map((m) => [m.id, m.parentId])).toEqual([
      ["q2", null],
      ["a2", "q2"],
    ]);
    const times = async (threadId: string) =>
      Object.fromEntries(
        (
          await handle.db
            .select({ id: message.id, at: message.createdAt })
            .from(message)
            .where(eq(message.threadId, threadId))
        ).map((r) => [r.id, r.at.toISOString()]),
      );
    const [sourceTimes, copyTimes] = [await times(t.id), await times(copy!.id)];
    expect(copyTimes).toEqual({ q2: sourceTimes.q2, a2: sourceTimes.a2 });

    // The file part names Bob's copy of b.png, a new id; a.txt (off the branch) was not copied.
    const filePart = copied[0].content.parts.find((p) => p.type === "file")!;
    const copyId = filePart.url!.split("/").at(-1)!;
    expect(copyId).not.toBe(kept.id);
    expect(copyId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sha256((await files.readForUser(bob, copyId))!.bytes)).toBe(sha256(png));
    expect(await files.readForUser(alice, copyId)).toBeNull();
    expect(await filesOf(bob)).toEqual({ rows: 1, stored: 1 });
    const [row] = await handle.db.select().from(attachment).where(eq(attachment.id, copyId));
    expect(row).toMatchObject({
      userId: bob,
      threadId: copy!.id,
      messageId: "q2",
      name: "b.png",
      mediaType: "image/png",
    });
    // Bob can go on with it: the model may be handed his copy of the file.
    const next = { id: "q3", role: "user" as const, parts: [{ type: "text" as const, text: "go on" }] };
    const asked = await files.toModelParts(
      bob,
      copy!.id,
      [{ id: "q2", role: "user", parts: copied[0].content.parts as never }, next],
      { pdfAsFile: false },
    );
    expect(asked[0].parts.find((p) => p.type === "file")).toMatchObject({ mediaType: "image/png" });

    // The source is as it was.
    expect(await messagesOf(alice, t.id)).toEqual(sourceBefore);
    expect(await filesOf(alice)).toEqual(aliceFiles);
    expect(await files.readForUser(alice, left.id)).not.toBeNull();
    expect(await files.readForUser(bob, kept.id)).not.toBeNull();

    // Deleting the copy takes Bob's files with it and leaves Alice's.
    expect(await threads.deleteThreadForUser(bob, copy!.id)).toBe(true);
    expect(await filesOf(bob)).toEqual({ rows: 0, stored: 0 });
    expect(await filesOf(alice)).toEqual(aliceFiles);
  });

  it("only someone who can read the thread copies it: an outsider, a member it is not shared with, a former member find nothing", async () => {
    const { alice, bob, carol, workspaceId, t } = await sharedThread();
    const dave = await newUser("Dave");
    await join(workspaceId, dave);
    const privateOne = await threads.createThreadForUser(alice, { title: "private", workspaceId });
    await threads.saveMessageForUser(alice, privateOne.id, userMessage("p1", null, "mine only"), "keep");

    expect(await threads.copySharedBranchForUser(carol, t.id)).toBeNull();
    expect(await threads.copySharedBranchForUser(dave, privateOne.id)).toBeNull();
    expect(await threads.copySharedBranchForUser(bob, crypto.randomUUID())).toBeNull();
    await threads.setSharedForUser(alice, t.id, false);
    expect(await threads.copySharedBranchForUser(bob, t.id)).toBeNull();
    await threads.setSharedForUser(alice, t.id, true);
    await handle.db
      .delete(workspaceMember)
      .where(and(eq(workspaceMember.userId, bob), eq(workspaceMember.organizationId, workspaceId)));
    expect(await threads.copySharedBranchForUser(bob, t.id)).toBeNull();
    for (const who of [bob, carol, dave]) {
      expect(await threadsOf(who)).toBe(0);
      expect(await filesOf(who)).toEqual({ rows: 0, stored: 0 });
    }

    // Its author may copy it too (the same branch), and a personal thread of theirs.
    const own = await threads.copySharedBranchForUser(alice, t.id);
    expect((await messagesOf(alice, own!.id)).map((m) => m.id)).toEqual(["q2", "a2"]);
    expect(own).toMatchObject({ workspaceId, sharedAt: null });
    const personal = await threads.createThreadForUser(alice, { title: "notes" });
    await threads.saveMessageForUser(alice, personal.id, userMessage("n1", null, "note"), "keep");
    expect(await threads.copySharedBranchForUser(alice, personal.id)).toMatchObject({
      workspaceId: null,
      title: "notes",
    });
    expect(await threads.copySharedBranchForUser(bob, personal.id)).toBeNull();
  });

  it("a copy over the message or byte limit is refused with 413 and writes nothing", async () => {
    const { bob, t } = await sharedThread();
    const small = (messages: number, bytes: number) => createThreadStore(handle.db, () => storage, { messages, bytes });
    await expect(small(1, 10_000_000).copySharedBranchForUser(bob, t.id)).rejects.toMatchObject({
      code: "payload_too_large",
      message: expect.stringContaining("at most 1 messages"),
    });
    await expect(small(100, 200).copySharedBranchForUser(bob, t.id)).rejects.toMatchObject({
      code: "payload_too_large",
    });
    expect(await threadsOf(bob)).toBe(0);
    expect(await filesOf(bob)).toEqual({ rows: 0, stored: 0 });
    // Exactly at the limit is fine.
    expect(await small(2, 10_000_000).copySharedBranchForUser(bob, t.id)).not.toBeNull();
  });

  it("a copy that fails part way leaves nothing behind: no thread, no rows, no files", async () => {
    const { alice, bob, t } = await sharedThread();
    const second = await files.uploadForUser(alice, { name: "c.txt", bytes: Buffer.from("another file") });
    await threads.saveMessageForUser(alice, t.id, userMessage("q3", "a2", "more", [second]), "keep");

    // The author stops sharing while the files are being copied: the transaction finds nothing to copy.
    let copies = 0;
    const racing: AttachmentStorage = {
      ...storage,
      async copy(from, to, executor) {
        await storage.copy(from, to, executor);
        if (++copies === 2) await threads.setSharedForUser(alice, t.id, false);
      },
    };
    const store = createThreadStore(handle.db, () => racing);
    if (storage.kind === "database") {
      // The database's copies are made inside the transaction, after its check: a failure there rolls everything back.
      const failing: AttachmentStorage = {
        ...storage,
        async copy(from, to, executor) {
          if (++copies === 2) throw new Error("disk full");
          await storage.copy(from, to, executor);
        },
      };
      await expect(createThreadStore(handle.db, () => failing).copySharedBranchForUser(bob, t.id)).rejects.toThrow(
        "disk full",
      );
    } else {
      expect(await store.copySharedBranchForUser(bob, t.id)).toBeNull();
      expect(copies).toBe(2);
      await threads.setSharedForUser(alice, t.id, true);
      // A source file gone from the store: the copies already made are removed again.
      copies = 0;
      if (kind && "env" in kind && kind.env.ATTACHMENT_DIR)
        unlinkSync(path.join(kind.env.ATTACHMENT_DIR, alice, second.id));
      else await storage.remove(alice, [second.id]);
      await expect(threads.copySharedBranchForUser(bob, t.id)).rejects.toThrow();
    }
    expect(await threadsOf(bob)).toBe(0);
    expect(await filesOf(bob)).toEqual({ rows: 0, stored: 0 });
  });
});
