import { expect, test } from "@playwright/test";
import { chatPage } from "./chat-page";
import { apiUser, signUp } from "./helpers";
import { branchedChatGpt, claudeConversation, exportJson, exportZip } from "../support/export-fixtures";

test("import: a ChatGPT export's zip uploaded on /account becomes a thread with its title and branches", async ({
  page,
}) => {
  const chat = chatPage(page);
  await signUp(page, "Importer");
  await page.goto("/account");
  const section = page.getByRole("region", { name: "Import conversations" });
  const importButton = section.getByRole("button", { name: "Import", exact: true });
  await expect(importButton).toBeEnabled();

  // A malformed file: a readable error, and nothing imported.
  await section.getByLabel("Export file").setInputFiles({
    name: "conversations.json",
    mimeType: "application/json",
    buffer: Buffer.from('[{"title": "Broken", "mapping": 5}]'),
  });
  await importButton.click();
  await expect(section.getByRole("alert")).toHaveText(
    'Conversation 1 ("Broken") is not a ChatGPT conversation: it has no "mapping" of messages.',
  );

  await section.getByLabel("Export file").setInputFiles({
    name: "chatgpt-export.zip",
    mimeType: "application/zip",
    buffer: Buffer.from(exportZip([branchedChatGpt()])),
  });
  await importButton.click();
  await expect(section.getByRole("status")).toHaveText("Imported 1 conversation.");

  await section.getByRole("link", { name: "Open your threads" }).click();
  await chat.threadList.getByText("Garden planning").click();
  // The branch the person was last on, with the edited question's branch picker.
  await expect(chat.lastReply).toContainText("Peppers like warmth.");
  await expect(chat.lastReply).toContainText("[Attachment not included in the export: image]");
  await expect(page.getByText("2 / 2")).toBeVisible();
  await page.getByRole("button", { name: "Previous branch" }).click();
  await expect(page.getByText("1 / 2")).toBeVisible();
  await expect(chat.userMessages.last()).toContainText("And cucumbers?");
  await expect(chat.lastReply).toContainText("Bush cucumbers fit pots.");
});

test("import API: progress lines, then the threads are the importer's own and searchable; errors are the JSON shape", async ({
  playwright,
  baseURL,
}) => {
  const owner = await apiUser(playwright, baseURL!, "Import owner");
  const other = await apiUser(playwright, baseURL!, "Import other");
  const file = (buffer: Buffer | string, name = "conversations.json") => ({
    multipart: { file: { name, mimeType: "application/octet-stream", buffer: Buffer.from(buffer) } },
  });

  const response = await owner.request.post("/api/account/import", file(exportJson([claudeConversation()])));
  expect(response.status()).toBe(200);
  expect(response.headers()["content-type"]).toMatch(/^application\/x-ndjson/);
  const lines = (await response.text())
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { type: string });
  expect(lines).toEqual([
    { type: "started", total: 1, empty: 0 },
    { type: "progress", imported: 1, total: 1 },
    { type: "done", imported: 1, empty: 0 },
  ]);
  const found = await (await owner.request.get("/api/search?q=sourdough")).json();
  expect(found.results.map((r: { title: string }) => r.title)).toEqual(["Sourdough starter"]);
  expect((await (await other.request.get("/api/search?q=sourdough")).json()).results).toEqual([]);

  const malformed = await owner.request.post("/api/account/import", file("[{]"));
  expect(malformed.status()).toBe(400);
  expect(await malformed.json()).toEqual({
    error: { code: "bad_request", message: expect.stringMatching(/not valid JSON/), requestId: expect.any(String) },
  });
  const raw = await owner.request.post("/api/account/import", {
    data: exportJson([claudeConversation()]),
    headers: { "content-type": "application/json" },
  });
  expect(raw.status()).toBe(415);
  for (const client of [owner, other]) await client.request.dispose();
});
