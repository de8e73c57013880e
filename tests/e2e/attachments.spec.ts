import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { expect, test, type Page } from "@playwright/test";
import { makePdf, makePng, sha256 } from "../support/files";
import { startS3Server } from "../support/s3-server";
import { chatPage } from "./chat-page";
import { withDb } from "./db";
import { apiUser, chatBody, filePart, listThreads, modelParts, signUp, uploadFile } from "./helpers";
import { startInstance } from "./instances";

const baseURL = `http://127.0.0.1:${process.env.E2E_PORT}`;
const chips = (page: Page) => page.getByRole("group", { name: "Attached files" });

/** A DataTransfer holding one file, made in the page (drop and paste events carry one). */
const transferOf = (page: Page, name: string, type: string, bytes: Buffer) =>
  page.evaluateHandle(
    ({ name, type, base64 }) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], name, { type }));
      return transfer;
    },
    { name, type, base64: bytes.toString("base64") },
  );

test("attach by button, drop and paste: the model gets the image bytes, the PDF's text and the text file; a reload shows them", async ({
  page,
}) => {
  const chat = chatPage(page);
  await signUp(page, "Attacher");
  const marker = `files-${Date.now()}`;
  const picked = makePng(16, 16, 40);
  const pasted = makePng(8, 8, 200);
  const pdf = makePdf(`Quarterly report ${marker}`);
  const notes = Buffer.from(`name,amount\nwidgets,${marker}\n`);

  // The button: an image and a CSV at once, through the file chooser.
  await chat.attach([
    { name: "photo.png", mimeType: "image/png", buffer: picked },
    { name: "notes.csv", mimeType: "text/csv", buffer: notes },
  ]);
  // Drag and drop onto the thread: a PDF.
  const dropped = await transferOf(page, "report.pdf", "application/pdf", pdf);
  for (const type of ["dragenter", "dragover", "drop"])
    await page.getByText("How can I help?").dispatchEvent(type, { dataTransfer: dropped });
  // Paste into the message box: a screenshot.
  await chat.messageBox.focus();
  const clipboard = await transferOf(page, "image.png", "image/png", pasted);
  await chat.messageBox.evaluate(
    (box, clipboardData) =>
      box.dispatchEvent(new ClipboardEvent("paste", { clipboardData, bubbles: true, cancelable: true })),
    clipboard,
  );

  for (const name of ["photo.png", "notes.csv", "report.pdf", "image.png"])
    await expect(chips(page).getByLabel(`Attachment ${name}`)).toBeVisible();
  // Uploaded: each chip shows its size, none is still uploading.
  await expect(chips(page).getByRole("progressbar")).toHaveCount(0);
  await expect(chips(page).getByText(/\d+ (B|KB)$/)).toHaveCount(4);

  await chat.send(`What is in these? ${marker}`);
  await expect(chat.lastReply).toContainText("— done.");
  await expect(chips(page)).toHaveCount(0);

  const received = (await modelParts()).find((p) => p.text.includes(marker) && p.images.length > 0)!;
  expect(received.images.map((i) => i.sha256).sort()).toEqual([sha256(picked), sha256(pasted)].sort());
  // The e2e server speaks Chat Completions: the PDF goes as its text, the CSV as text with its name.
  expect(received.texts.join("\n")).toContain(`Quarterly report ${marker}`);
  expect(received.texts).toContain(`Attached file "notes.csv":\n\n${notes.toString()}`);

  await page.reload();
  const sent = chat.userMessages.first();
  await expect(sent.getByRole("img", { name: "photo.png" })).toBeVisible();
  await expect(sent.getByRole("img", { name: "image.png" })).toBeVisible();
  await expect(sent.getByRole("link", { name: /report\.pdf/ })).toBeVisible();
  await expect(sent.getByRole("link", { name: /notes\.csv/ })).toBeVisible();
  // The thumbnail opens the full image, the same bytes.
  const full = await page.request.get((await sent.getByRole("link", { name: "photo.png" }).getAttribute("href"))!);
  expect(full.headers()["content-type"]).toBe("image/png");
  expect(sha256(await full.body())).toBe(sha256(picked));

  // The thread's Markdown export names the files.
  const [thread] = await listThreads(page.request);
  const markdown = await (await page.request.get(`/api/threads/${thread.id}/export?format=markdown`)).text();
  expect(markdown).toMatch(/Attachment: \[report\.pdf\]\(\/api\/attachments\/[0-9a-f-]{36}\)/);
});

test("editing a message with a file sends a fresh copy of the file on the new branch; the original keeps its own", async ({
  page,
}) => {
  const chat = chatPage(page);
  await signUp(page, "Editor");
  const image = makePng(5, 5, 77);
  const marker = `edit-${Date.now()}`;
  await chat.attach([{ name: "diagram.png", mimeType: "image/png", buffer: image }]);
  await expect(chips(page).getByText(/\d+ B$/)).toBeVisible();
  await chat.send(`first ${marker}`);
  await expect(chat.lastReply).toContainText("— done.");

  await chat.userMessages.hover();
  await page.getByRole("button", { name: "Edit", exact: true }).click();
  const editBox = page.getByRole("textbox", { name: "Edit message" });
  await expect(page.getByLabel("Attachment diagram.png")).toBeVisible();
  await expect(page.getByLabel("Attachment diagram.png").getByText(/\d+ B$/)).toBeVisible();
  await editBox.fill(`second ${marker}`);
  await page.getByRole("button", { name: "Save" }).click();
  await expect(chat.lastReply).toContainText(`second ${marker}`);

  const sent = (await modelParts()).filter((p) => p.text.includes(marker));
  expect(sent.map((p) => [p.text.split(" ")[0], p.images.map((i) => i.sha256)])).toEqual([
    ["first", [sha256(image)]],
    ["second", [sha256(image)]],
  ]);
  const { user } = await (await page.request.get("/api/auth/get-session")).json();
  const ids = await withDb(
    async (c) =>
      (await c.query<{ message_id: string | null }>("select message_id from attachment where user_id = $1", [user.id]))
        .rows,
  );
  expect(ids).toHaveLength(2);
  expect(new Set(ids.map((r) => r.message_id)).size).toBe(2);
});

test("a refused file says why in its chip, and can be removed; the message sends without it", async ({ page }) => {
  const chat = chatPage(page);
  await signUp(page, "Refused");
  await chat.attach([
    {
      name: "program.exe",
      mimeType: "application/octet-stream",
      buffer: Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0xff, 0xfe]),
    },
  ]);
  const chip = chips(page).getByLabel("Attachment program.exe");
  await expect(chip.getByRole("alert")).toHaveText(
    /Only images \(PNG, JPEG, WebP, GIF\), PDFs and text files can be attached\./,
  );
  await chip.getByRole("button", { name: "Remove program.exe" }).click();
  await expect(chips(page)).toHaveCount(0);
  await chat.send("no files after all");
  await expect(chat.lastReply).toContainText("— done.");
});

test("a model that takes no images: a clear error in the thread, and the message and its file are kept", async ({
  page,
}) => {
  const chat = chatPage(page);
  await signUp(page, "Sightless");
  const image = makePng(4, 4, 99);
  await chat.attach([{ name: "chart.png", mimeType: "image/png", buffer: image }]);
  await expect(chips(page).getByText(/\d+ B$/)).toBeVisible();
  await chat.send("describe this [no-images]");
  await expect(page.getByRole("alert").filter({ hasText: "This model does not support image input." })).toBeVisible();

  const [thread] = await listThreads(page.request);
  const { messages } = await (await page.request.get(`/api/threads/${thread.id}/messages`)).json();
  const file = messages[0].content.parts.find((p: { type: string }) => p.type === "file");
  expect(file).toMatchObject({ mediaType: "image/png", filename: "chart.png" });
  expect(sha256(await (await page.request.get(file.url)).body())).toBe(sha256(image));
  await page.reload();
  await expect(chat.userMessages.getByRole("img", { name: "chart.png" })).toBeVisible();
});

test("isolation: another user's upload is 404 to download and 400 in a chat; signed out is 401; the owner's works", async ({
  playwright,
}) => {
  const owner = await apiUser(playwright, baseURL, "File owner");
  const other = await apiUser(playwright, baseURL, "File snoop");
  const bytes = Buffer.from(`owner's private notes ${Date.now()}`);
  const upload = await uploadFile(owner.request, "private.txt", bytes, "text/plain");
  expect(upload.status()).toBe(201);
  const file = await upload.json();
  expect(file).toEqual({
    id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    name: "private.txt",
    type: "text/plain",
    size: bytes.length,
  });

  const mine = await owner.request.get(`/api/attachments/${file.id}`);
  expect(mine.status()).toBe(200);
  expect(await mine.body()).toEqual(bytes);
  expect(mine.headers()).toMatchObject({
    "content-type": "text/plain; charset=utf-8",
    "cache-control": "private",
    "x-content-type-options": "nosniff",
    "content-disposition": expect.stringMatching(/^attachment; filename="private\.txt"/),
  });

  const theirs = await other.request.get(`/api/attachments/${file.id}`);
  const missing = await other.request.get(`/api/attachments/${crypto.randomUUID()}`);
  for (const response of [theirs, missing]) {
    expect(response.status()).toBe(404);
    expect((await response.json()).error).toMatchObject({ code: "not_found", message: "Attachment not found." });
  }
  expect((await other.request.delete(`/api/attachments/${file.id}`)).status()).toBe(404);

  // In a chat: refused before the model is called, and nothing is stored.
  const thread = await (await other.request.post("/api/threads", { data: {} })).json();
  const marker = `stolen-${Date.now()}`;
  const body = chatBody(thread.id, marker);
  body.messages[0].parts.push(filePart(file) as never);
  const chat = await other.request.post("/api/chat", { data: body });
  expect(chat.status()).toBe(400);
  expect((await chat.json()).error.code).toBe("bad_request");
  expect((await modelParts()).some((p) => p.text.includes(marker))).toBe(false);
  expect((await (await other.request.get(`/api/threads/${thread.id}/messages`)).json()).messages).toEqual([]);

  const anonymous = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { origin: baseURL } });
  expect((await anonymous.get(`/api/attachments/${file.id}`)).status()).toBe(401);
  expect((await uploadFile(anonymous, "x.txt", Buffer.from("x"))).status()).toBe(401);

  // Sent once, the upload belongs to that message: another message (or thread) cannot take it.
  const own = await (await owner.request.post("/api/threads", { data: {} })).json();
  const first = chatBody(own.id, "first");
  first.messages[0].parts.push(filePart(file) as never);
  expect((await owner.request.post("/api/chat", { data: first })).status()).toBe(200);
  const second = chatBody(own.id, "second");
  second.messages[0].parts.push(filePart(file) as never);
  expect((await owner.request.post("/api/chat", { data: second })).status()).toBe(400);
  expect((await owner.request.delete(`/api/attachments/${file.id}`)).status()).toBe(409);
  for (const client of [owner.request, other.request, anonymous]) await client.dispose();
});

test("hostile uploads are refused or served inert, never a 5xx, and nothing half-stored", async ({ playwright }) => {
  const user = await apiUser(playwright, baseURL, "Hostile files");
  const rows = () =>
    withDb(
      async (c) =>
        (await c.query<{ n: number }>("select count(*)::int as n from attachment where user_id = $1", [user.userId]))
          .rows[0]!.n,
    );
  const limit = 10 * 1024 * 1024;

  // A PNG whose name is HTML: stored as a PNG, the name only ever text.
  const htmlName = await uploadFile(user.request, "<img src=x onerror=alert(1)>.png", makePng(), "image/png");
  expect(htmlName.status()).toBe(201);
  const png = await htmlName.json();
  const served = await user.request.get(`/api/attachments/${png.id}`);
  expect(served.headers()["content-type"]).toBe("image/png");
  expect(served.headers()["content-disposition"]).toBe(
    `inline; filename="<img src=x onerror=alert(1)>.png"; filename*=UTF-8''%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.png`,
  );

  // SVG with script, HTML declared as an image: text/plain, downloaded, sandboxed.
  for (const [name, type, content] of [
    ["logo.svg", "image/svg+xml", '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'],
    ["page.png", "image/png", "<html><body><script>alert(document.cookie)</script></body></html>"],
  ] as const) {
    const response = await uploadFile(user.request, name, Buffer.from(content), type);
    expect(response.status(), name).toBe(201);
    const { id, type: detected } = await response.json();
    expect(detected).toBe("text/plain");
    const download = await user.request.get(`/api/attachments/${id}`);
    expect(download.headers()["content-type"]).toBe("text/plain; charset=utf-8");
    expect(download.headers()["content-disposition"]).toMatch(/^attachment;/);
    expect(download.headers()["content-security-policy"]).toContain("sandbox");
  }

  // A path in the name keeps only its last part.
  const pathName = await uploadFile(user.request, "../../../etc/passwd", Buffer.from("root:x:0:0"), "text/plain");
  expect((await pathName.json()).name).toBe("passwd");

  const before = await rows();
  const refused: [string, () => Promise<import("@playwright/test").APIResponse>, number][] = [
    [
      "one byte over the limit",
      () => uploadFile(user.request, "big.txt", Buffer.alloc(limit + 1, 0x61), "text/plain"),
      413,
    ],
    ["an empty file", () => uploadFile(user.request, "empty.txt", Buffer.alloc(0), "text/plain"), 400],
    [
      "a binary that is no accepted type",
      () => uploadFile(user.request, "a.zip", Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0xff]), "application/zip"),
      415,
    ],
    [
      "a PDF signature with no PDF after it",
      () => uploadFile(user.request, "fake.pdf", Buffer.from("%PDF-1.7 not really"), "application/pdf"),
      415,
    ],
    ["no file field", () => user.request.post("/api/attachments", { multipart: { other: "value" } }), 400],
    [
      "two files",
      () =>
        user.request.fetch("/api/attachments", {
          method: "POST",
          headers: { "content-type": "multipart/form-data; boundary=XX" },
          data: Buffer.from(
            '--XX\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\na\r\n--XX\r\nContent-Disposition: form-data; name="file"; filename="b.txt"\r\n\r\nb\r\n--XX--\r\n',
          ),
        }),
      400,
    ],
    [
      "a truncated multipart body",
      () =>
        user.request.fetch("/api/attachments", {
          method: "POST",
          headers: { "content-type": "multipart/form-data; boundary=XX" },
          data: Buffer.from('--XX\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhalf a fi'),
        }),
      400,
    ],
    ["JSON instead of multipart", () => user.request.post("/api/attachments", { data: { file: "aGVsbG8=" } }), 415],
  ];
  for (const [what, make, status] of refused) {
    const response = await make();
    expect(response.status(), what).toBe(status);
    expect((await response.json()).error.code, what).toEqual(expect.any(String));
  }
  expect(await rows()).toBe(before);

  // A file part that is not an upload of this app never reaches the model (no fetching of URLs).
  const thread = await (await user.request.post("/api/threads", { data: {} })).json();
  for (const url of [
    "https://169.254.169.254/latest/meta-data",
    "data:image/png;base64,iVBORw0KGgo=",
    "/api/attachments/../threads",
    `/api/attachments/${crypto.randomUUID()}`,
  ]) {
    const body = chatBody(thread.id, "look");
    body.messages[0].parts.push({ type: "file", mediaType: "image/png", url } as never);
    const response = await user.request.post("/api/chat", { data: body });
    expect(response.status(), url).toBe(400);
  }
  await user.request.dispose();
});

test.describe("other storage kinds, on an instance of their own", () => {
  for (const kind of ["filesystem", "s3"] as const) {
    test(`${kind}: upload, download, send, then the thread's files and the account's go with them`, async ({
      playwright,
    }) => {
      const dir = mkdtempSync(path.join(tmpdir(), "threadkeeper-e2e-files-"));
      const s3 = kind === "s3" ? await startS3Server() : null;
      // The S3 instance also speaks the Responses API, which takes PDFs as files.
      const env: Record<string, string> = s3
        ? { ...s3.env, OPENAI_API_MODE: "responses" }
        : { ATTACHMENT_STORAGE: "filesystem", ATTACHMENT_DIR: dir };
      const app = await startInstance(`attachments-${kind}`, env);
      // What the store holds for a user: files under its directory, or objects under its prefix.
      const client =
        s3 &&
        new S3Client({
          endpoint: s3.env.S3_ENDPOINT,
          region: "us-east-1",
          forcePathStyle: true,
          credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
        });
      const countFiles = async (userId: string) => {
        if (client)
          return (
            (await client.send(new ListObjectsV2Command({ Bucket: s3!.env.S3_BUCKET, Prefix: `${userId}/` })))
              .KeyCount ?? 0
          );
        const userDir = path.join(dir, userId);
        return existsSync(userDir) ? readdirSync(userDir).length : 0;
      };
      try {
        const user = await apiUser(playwright, app.url, `Files ${kind}`);
        const pdf = makePdf(`Storage kind ${kind} ${Date.now()}`);
        const image = makePng(6, 6, kind.length);
        const uploads = [];
        for (const [name, bytes] of [
          ["doc.pdf", pdf],
          ["pic.png", image],
          ["left.txt", Buffer.from("never sent")],
        ] as const) {
          const response = await uploadFile(user.request, name, bytes);
          expect(response.status()).toBe(201);
          uploads.push(await response.json());
        }
        expect(await countFiles(user.userId)).toBe(3);
        expect(sha256(await (await user.request.get(`/api/attachments/${uploads[0].id}`)).body())).toBe(sha256(pdf));

        const thread = await (await user.request.post("/api/threads", { data: {} })).json();
        const marker = `kind-${kind}-${Date.now()}`;
        const body = chatBody(thread.id, marker);
        body.messages[0].parts.push(filePart(uploads[0]) as never, filePart(uploads[1]) as never);
        const chat = await user.request.post("/api/chat", { data: body });
        expect(chat.status()).toBe(200);
        await chat.body();
        const received = (await modelParts()).find((p) => p.text.includes(marker))!;
        expect(received.images.map((i) => i.sha256)).toEqual([sha256(image)]);
        if (s3)
          expect(received.files).toEqual([{ filename: "doc.pdf", mediaType: "application/pdf", sha256: sha256(pdf) }]);
        else expect(received.texts.join("\n")).toContain(`Storage kind ${kind}`);

        expect((await user.request.delete(`/api/threads/${thread.id}`)).status()).toBe(204);
        expect(await countFiles(user.userId)).toBe(1);
        expect((await user.request.get(`/api/attachments/${uploads[0].id}`)).status()).toBe(404);

        expect(
          (await user.request.post("/api/auth/delete-user", { data: { password: "correct horse battery" } })).status(),
        ).toBe(200);
        expect(await countFiles(user.userId)).toBe(0);
        await user.request.dispose();
      } finally {
        await app.stop();
        await s3?.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
