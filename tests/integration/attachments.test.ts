import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuth } from "@/auth";
import type { DatabaseHandle } from "@/db/connect";
import { attachment, attachmentBlob } from "@/db/schema";
import { storageFromEnv, type AttachmentStorage } from "@/lib/attachments/storage";
import { createAttachmentStore } from "@/lib/attachments/attachments";
import type { Env } from "@/lib/config/env";
import { createThreadStore, type MessageInput } from "@/lib/chat/threads";
import { cookieHeader } from "../support/cookies";
import { engines, testEnv } from "../support/databases";
import { uniqueEmail } from "../support/unique-email";
import { makePdf, makePng, sha256 } from "../support/files";
import { startS3Server } from "../support/s3-server";

const postgres = engines.find((e) => e.name === "postgres")!;

/** Each storage kind with a way to count what it holds, so the tests can see nothing is left behind. */
type Kind = { name: string; env: Env; countFiles: (userId?: string) => Promise<number>; stop: () => Promise<void> };

async function filesystemKind(): Promise<Kind> {
  const dir = mkdtempSync(path.join(tmpdir(), "threadkeeper-files-"));
  const count = (d: string): number =>
    existsSync(d)
      ? readdirSync(d, { withFileTypes: true }).reduce(
          (n, e) => n + (e.isDirectory() ? count(path.join(d, e.name)) : 1),
          0,
        )
      : 0;
  return {
    name: "filesystem",
    env: { ATTACHMENT_STORAGE: "filesystem", ATTACHMENT_DIR: dir },
    countFiles: async (userId) => count(userId ? path.join(dir, userId) : dir),
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
    name: "s3",
    env: s3.env,
    countFiles: async (userId) =>
      (
        await client.send(
          new ListObjectsV2Command({ Bucket: s3.env.S3_BUCKET, Prefix: userId ? `${userId}/` : undefined }),
        )
      ).KeyCount ?? 0,
    stop: s3.stop,
  };
}

const userMessage = (
  id: string,
  files: { id: string; name: string; type: string }[],
  text = "see attached",
): MessageInput => ({
  id,
  parentId: null,
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

const pglite = engines.find((e) => e.name === "pglite")!;

describe.each([
  { name: "the database (PostgreSQL)", engine: postgres, make: async (): Promise<Kind | null> => null },
  { name: "the database (PGlite, the embedded default)", engine: pglite, make: async (): Promise<Kind | null> => null },
  { name: "a directory", engine: postgres, make: filesystemKind },
  { name: "S3 (s3rver)", engine: postgres, make: s3Kind },
])("attachments stored in $name", ({ engine, make }) => {
  let handle: DatabaseHandle;
  let kind: Kind | null;
  let env: Env;
  let storage: AttachmentStorage;
  let files: ReturnType<typeof createAttachmentStore>;
  let threads: ReturnType<typeof createThreadStore>;
  let auth: ReturnType<typeof createAuth>;

  /** Rows, blobs and files/objects (of one user, or all): what the tests compare before and after. */
  const counts = async (userId?: string) => ({
    rows: (
      await handle.db
        .select({ n: sql<number>`count(*)::int` })
        .from(attachment)
        .where(userId ? eq(attachment.userId, userId) : undefined)
    )[0].n,
    blobs: (
      await handle.db
        .select({ n: sql<number>`count(*)::int` })
        .from(attachmentBlob)
        .innerJoin(attachment, eq(attachment.id, attachmentBlob.attachmentId))
        .where(userId ? eq(attachment.userId, userId) : undefined)
    )[0].n,
    files: kind ? await kind.countFiles(userId) : 0,
  });
  const stored = (n: number) => (kind ? { blobs: 0, files: n } : { blobs: n, files: 0 });

  const newUser = async (name: string) => {
    const email = uniqueEmail(name);
    const { headers, response } = await auth.api.signUpEmail({
      body: { name, email, password: "correct horse" },
      returnHeaders: true,
    });
    return { id: response.user.id, cookie: cookieHeader(headers, "session_token") };
  };

  beforeAll(async () => {
    handle = engine.open();
    await handle.ready();
    kind = await make();
    env = testEnv(kind?.env ?? { ATTACHMENT_STORAGE: "database" });
    storage = storageFromEnv(env, handle.db);
    files = createAttachmentStore(handle.db, () => storage);
    threads = createThreadStore(handle.db, () => storage);
    auth = createAuth(handle.db, env);
  });
  afterAll(async () => {
    await kind?.stop();
    await handle.close();
  });

  it("stores what was uploaded under a random id, typed by its bytes, and gives it to its owner only", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const png = makePng(4, 4, 7);
    const up = await files.uploadForUser(alice.id, { name: "../../etc/passwd<b>.png", bytes: png });
    expect(up).toMatchObject({ name: "passwd<b>.png", type: "image/png", size: png.length });
    expect(up.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await counts(alice.id)).toEqual({ rows: 1, ...stored(1) });

    const read = await files.readForUser(alice.id, up.id);
    expect(sha256(read!.bytes)).toBe(sha256(png));
    expect(await files.readForUser(bob.id, up.id)).toBeNull();

    // A declared name and type count for nothing: the bytes decide.
    const text = await files.uploadForUser(alice.id, {
      name: "photo.png",
      bytes: Buffer.from("<svg onload=alert(1)>"),
    });
    expect(text.type).toBe("text/plain");
    const pdf = await files.uploadForUser(alice.id, { name: "report.txt", bytes: makePdf("Quarterly zebra numbers") });
    expect(pdf.type).toBe("application/pdf");
    await expect(
      files.uploadForUser(alice.id, { name: "a.bin", bytes: Buffer.from([0x00, 0x01, 0xff, 0xfe]) }),
    ).rejects.toMatchObject({ code: "unsupported_media_type" });
    await expect(files.uploadForUser(alice.id, { name: "empty.txt", bytes: Buffer.alloc(0) })).rejects.toMatchObject({
      code: "bad_request",
    });
  });

  it("ties uploads to the message that sends them; another user's, or one sent already, refuses the whole write", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const thread = await threads.createThreadForUser(alice.id, {});
    const mine = await files.uploadForUser(alice.id, { name: "a.txt", bytes: Buffer.from("alpha") });
    const theirs = await files.uploadForUser(bob.id, { name: "b.txt", bytes: Buffer.from("bravo") });

    await expect(
      threads.saveMessageForUser(alice.id, thread.id, userMessage("m-stolen", [theirs]), "keep"),
    ).rejects.toMatchObject({ code: "bad_request" });
    expect(await threads.messagesJsonForUser(alice.id, thread.id)).toBe('{"messages":[]}');

    expect(await threads.saveMessageForUser(alice.id, thread.id, userMessage("m-1", [mine]), "keep")).not.toBeNull();
    // The same message stored again (the client's copy after the server's) is fine...
    expect(await threads.saveMessageForUser(alice.id, thread.id, userMessage("m-1", [mine]), "replace")).not.toBeNull();
    // ...another message with the same upload is not, and writes nothing.
    await expect(
      threads.saveMessageForUser(alice.id, thread.id, userMessage("m-2", [mine]), "keep"),
    ).rejects.toMatchObject({ code: "bad_request" });
    expect(
      JSON.parse((await threads.messagesJsonForUser(alice.id, thread.id))!).messages.map((m: { id: string }) => m.id),
    ).toEqual(["m-1"]);
    const [row] = await handle.db.select().from(attachment).where(eq(attachment.id, mine.id));
    expect(row).toMatchObject({ threadId: thread.id, messageId: "m-1" });

    // A sent file stays with its message; an unsent one can be deleted by its owner only.
    expect(await files.deleteUnsentForUser(alice.id, mine.id)).toBe("sent");
    expect(await files.deleteUnsentForUser(alice.id, theirs.id)).toBeNull();
    expect(await counts(bob.id)).toEqual({ rows: 1, ...stored(1) });
    expect(await files.deleteUnsentForUser(bob.id, theirs.id)).toBe("deleted");
    expect(await counts(bob.id)).toEqual({ rows: 0, ...stored(0) });
  });

  it("turns files into what the model reads: image bytes, PDF text or file, text with its name", async () => {
    const alice = await newUser("alice");
    const thread = await threads.createThreadForUser(alice.id, {});
    const png = makePng(2, 2, 9);
    const image = await files.uploadForUser(alice.id, { name: "dot.png", bytes: png });
    const pdf = await files.uploadForUser(alice.id, { name: "report.pdf", bytes: makePdf("Quarterly zebra numbers") });
    const note = await files.uploadForUser(alice.id, {
      name: "notes.md",
      bytes: Buffer.from("# Notes\nremember the milk"),
    });
    const message = {
      id: "m-model",
      role: "user" as const,
      parts: [
        { type: "text" as const, text: "look" },
        ...[image, pdf, note].map((f) => ({
          type: "file" as const,
          mediaType: f.type,
          filename: f.name,
          url: `/api/attachments/${f.id}`,
        })),
      ],
    };

    const asText = await files.toModelParts(alice.id, thread.id, [message], { pdfAsFile: false });
    const [, imagePart, pdfPart, notePart] = asText[0].parts as { type: string; url?: string; text?: string }[];
    expect(imagePart).toMatchObject({ type: "file", mediaType: "image/png" });
    expect(sha256(Buffer.from(imagePart.url!.split(",")[1], "base64"))).toBe(sha256(png));
    expect(pdfPart.text).toContain("Quarterly zebra numbers");
    expect(notePart.text).toBe('Attached file "notes.md":\n\n# Notes\nremember the milk');
    const asFile = await files.toModelParts(alice.id, thread.id, [message], { pdfAsFile: true });
    expect(asFile[0].parts[2]).toMatchObject({ type: "file", mediaType: "application/pdf", filename: "report.pdf" });

    // On an earlier message a file must be tied to that message in this thread.
    const later = { id: "m-later", role: "user" as const, parts: [{ type: "text" as const, text: "and?" }] };
    await expect(files.toModelParts(alice.id, thread.id, [message, later], { pdfAsFile: false })).rejects.toMatchObject(
      { code: "bad_request" },
    );
    const bob = await newUser("bob");
    await expect(files.toModelParts(bob.id, thread.id, [message], { pdfAsFile: false })).rejects.toMatchObject({
      code: "bad_request",
    });
    const outside = {
      ...message,
      parts: [{ type: "file" as const, mediaType: "image/png", url: "https://example.com/cat.png" }],
    };
    await expect(files.toModelParts(alice.id, thread.id, [outside], { pdfAsFile: false })).rejects.toMatchObject({
      code: "bad_request",
    });
  });

  it("deleting a thread removes its attachments' rows and files, and leaves unsent uploads alone", async () => {
    const alice = await newUser("alice");
    const thread = await threads.createThreadForUser(alice.id, {});
    const sent = [
      await files.uploadForUser(alice.id, { name: "one.txt", bytes: Buffer.from("one") }),
      await files.uploadForUser(alice.id, { name: "two.png", bytes: makePng(3, 3, 1) }),
    ];
    const unsent = await files.uploadForUser(alice.id, { name: "later.txt", bytes: Buffer.from("later") });
    await threads.saveMessageForUser(alice.id, thread.id, userMessage("m-del", sent), "keep");
    expect(await counts(alice.id)).toEqual({ rows: 3, ...stored(3) });
    expect(await threads.deleteThreadForUser(alice.id, thread.id)).toBe(true);
    expect(await counts(alice.id)).toEqual({ rows: 1, ...stored(1) });
    expect(await files.readForUser(alice.id, unsent.id)).not.toBeNull();
  });

  it("deleting an account removes every row and file of its attachments", async () => {
    const carol = await newUser("carol");
    const thread = await threads.createThreadForUser(carol.id, {});
    const sent = await files.uploadForUser(carol.id, { name: "sent.txt", bytes: Buffer.from("sent") });
    await files.uploadForUser(carol.id, { name: "unsent.png", bytes: makePng(2, 2, 3) });
    await threads.saveMessageForUser(carol.id, thread.id, userMessage("m-acct", [sent]), "keep");
    expect(await counts(carol.id)).toEqual({ rows: 2, ...stored(2) });
    await auth.api.deleteUser({ body: { password: "correct horse" }, headers: new Headers({ cookie: carol.cookie }) });
    expect(await counts(carol.id)).toEqual({ rows: 0, ...stored(0) });
  });

  it("removes uploads never sent after ATTACHMENT_ORPHAN_HOURS, with their files; sent ones stay", async () => {
    const dave = await newUser("dave");
    const thread = await threads.createThreadForUser(dave.id, {});
    const sent = await files.uploadForUser(dave.id, { name: "kept.txt", bytes: Buffer.from("kept") });
    const orphan = await files.uploadForUser(dave.id, { name: "orphan.txt", bytes: Buffer.from("orphan") });
    await threads.saveMessageForUser(dave.id, thread.id, userMessage("m-orphan", [sent]), "keep");
    // An hour from now, with a one-hour limit, nothing is old enough yet; two hours on, it is.
    const hour = 3_600_000;
    expect(await files.removeOrphans(24, new Date(Date.now() + hour))).toBe(0);
    const before = await counts(dave.id);
    expect(before).toEqual({ rows: 2, ...stored(2) });
    expect(await files.removeOrphans(1, new Date(Date.now() + 2 * hour))).toBeGreaterThanOrEqual(1);
    expect(await files.readForUser(dave.id, orphan.id)).toBeNull();
    expect(await files.readForUser(dave.id, sent.id)).not.toBeNull();
    expect(await counts(dave.id)).toEqual({ rows: 1, ...stored(1) });
  });
});
