import { expect, test, type APIRequestContext, type Browser, type Page } from "@playwright/test";
import { chatPage } from "./chat-page";
import { apiUser, signUp } from "./helpers";
import { addIndexedFile, createProject, projectNotFound, systemTextFor, userIdOf } from "./projects";
import { createWorkspace } from "./workspaces";

/**
 * Projects in the browser, against the real server and its background indexer; the fake model's
 * `[system]` marker makes a reply say the whole system text it was given, so what the model was
 * told (instructions, passages) is read off the reply.
 */

const baseURL = `http://127.0.0.1:${process.env.E2E_PORT}`;

const tag = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 46656).toString(36)}`;

async function newPerson(browser: Browser, name: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signUp(page, name);
  return { context, page, userId: await userIdOf(page) };
}

const projectsRegion = (page: Page) =>
  page.getByRole("navigation", { name: "Threads" }).getByRole("region", { name: "Projects" });

const instructionsLine = (page: Page) =>
  page.locator("details", { has: page.locator("summary", { hasText: "Instructions" }) });

const projectBox = (page: Page) => page.getByRole("combobox", { name: "Project", exact: true });

/** A project and its file, its passage and its file's bytes: each answers 404 "Project not found." to `request`. */
async function expectHiddenFrom(request: APIRequestContext, projectId: string, fileId: string) {
  const base = `/api/projects/${projectId}`;
  for (const path of [
    base,
    `${base}/files`,
    `${base}/files/${fileId}`,
    `${base}/files/${fileId}/passages/1`,
    `${base}/files/${fileId}/content`,
  ]) {
    const response = await request.get(path);
    expect(response.status(), path).toBe(404);
    expect(await response.json(), path).toEqual(projectNotFound);
  }
}

/** The project's page and its file's passage page are the not-found page for this person. */
async function expectNotFoundPages(page: Page, projectId: string, fileId: string) {
  for (const path of [`/projects/${projectId}`, `/projects/${projectId}/files/${fileId}?passage=1`]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(404);
    await expect(page.getByRole("heading", { level: 1, name: "Not found" })).toBeVisible();
  }
}

test("a workspace project: instructions and a file, indexed; its threads answer from the file with Sources and show the instructions; another member uses it; outsiders get 404", async ({
  browser,
}) => {
  test.slow();
  const t = tag();
  const projectName = `Reactor ${t}`;
  const personalMarker = `I repair reactors ${t}`;
  const projectMarker = `Answer like a ship engineer ${t}`;
  const fact = `The zorblax reactor ${t} cools itself with liquid helium through copper veins.`;
  const alice = await newPerson(browser, "Alice");
  const bob = await newPerson(browser, "Bob");
  const space = await createWorkspace([{ userId: alice.userId, role: "owner" }, { userId: bob.userId }], "Plant");

  // Alice's own instructions, on /account.
  await alice.page.goto("/account");
  await alice.page.getByRole("textbox", { name: "What the model should know about you" }).fill(personalMarker);
  await alice.page.getByRole("button", { name: "Save instructions" }).click();
  await expect(alice.page.getByRole("region", { name: "Instructions" }).getByRole("status")).toHaveText("Saved.");

  // A project made from the sidebar of the workspace.
  await alice.page.goto(`/w/${space.slug}`);
  await projectsRegion(alice.page).getByRole("button", { name: "New project" }).click();
  await projectsRegion(alice.page).getByRole("textbox", { name: "Project name" }).fill(projectName);
  await projectsRegion(alice.page).getByRole("button", { name: "Create project" }).click();
  await expect(alice.page).toHaveURL(/\/projects\/[0-9a-f-]{36}$/);
  const projectId = new URL(alice.page.url()).pathname.split("/").at(-1)!;
  await expect(alice.page.getByRole("heading", { level: 1, name: projectName })).toBeVisible();

  await alice.page.getByRole("textbox", { name: "Instructions" }).fill(projectMarker);
  await alice.page.getByRole("button", { name: "Save project" }).click();
  await expect(alice.page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();

  await alice.page.getByLabel("Add file").setInputFiles({
    name: "guide.md",
    mimeType: "text/markdown",
    buffer: Buffer.from(`Reactor guide\n\n${fact}\n\nMaintenance happens every Tuesday.\n`),
  });
  const fileItem = alice.page
    .getByRole("list", { name: "Files" })
    .getByRole("listitem")
    .filter({ hasText: "guide.md" });
  await expect(fileItem).toContainText("Indexed", { timeout: 30_000 });
  const [file] = (
    (await (await alice.page.request.get(`/api/projects/${projectId}/files`)).json()) as {
      files: { id: string }[];
    }
  ).files;

  // A new thread in it: the Instructions line holds both, the model gets both and the passage.
  await alice.page.getByRole("button", { name: "New thread in project" }).click();
  await expect(alice.page).toHaveURL(new RegExp(`/w/${space.slug}/chat/[0-9a-f-]{36}$`));
  const aliceChat = chatPage(alice.page);
  await expect(projectBox(alice.page)).toHaveValue(projectId);
  await alice.page.locator("summary", { hasText: "Instructions" }).click();
  const line = instructionsLine(alice.page);
  await expect(line.getByRole("heading", { name: "Your instructions" })).toBeVisible();
  await expect(line).toContainText(personalMarker);
  await expect(line.getByRole("heading", { name: `Project: ${projectName}` })).toBeVisible();
  await expect(line).toContainText(projectMarker);

  const aliceAsks = `[system] How does the zorblax reactor cool? ${t}`;
  await aliceChat.send(aliceAsks);
  // What the model was told: her instructions, then the project's, then the passage.
  const aliceSystem = (await systemTextFor(aliceAsks)) ?? "";
  expect(aliceSystem).toContain(personalMarker);
  expect(aliceSystem).toContain(projectMarker);
  expect(aliceSystem).toContain(fact);
  expect(aliceSystem.indexOf(personalMarker)).toBeLessThan(aliceSystem.indexOf(projectMarker));
  await expect(aliceChat.lastReply).toContainText("System:");
  await expect(aliceChat.stopButton).toBeHidden();
  await expect(aliceChat.lastReply).toContainText(personalMarker);
  await expect(aliceChat.lastReply).toContainText(projectMarker);
  await expect(aliceChat.lastReply).toContainText(fact);
  const source = aliceChat.lastReply
    .getByRole("list", { name: "Sources" })
    .getByRole("link", { name: "guide.md · passage 1" });
  await expect(source).toBeVisible();
  await expect(aliceChat.stopButton).toBeHidden();

  // The thread is listed under its project in the sidebar.
  await expect(projectsRegion(alice.page).getByRole("link", { name: projectName })).toBeVisible();
  const aliceThread = aliceChat.threadId();
  await expect(projectsRegion(alice.page).locator(`a[href="/w/${space.slug}/chat/${aliceThread}"]`)).toBeVisible();

  // The source opens the file at that passage.
  await source.click();
  await expect(alice.page).toHaveURL(new RegExp(`/projects/${projectId}/files/${file.id}\\?passage=1$`));
  await expect(alice.page.getByRole("heading", { level: 1, name: "guide.md" })).toBeVisible();
  await expect(alice.page.getByRole("heading", { name: "Passage 1" })).toBeVisible();
  await expect(alice.page.getByRole("main")).toContainText(fact);
  await expect(alice.page.getByRole("link", { name: "Download file" })).toBeVisible();

  // Back in the thread (read from the server again): the reply keeps its sources.
  await alice.page.goBack();
  await expect(aliceChat.lastReply.getByRole("link", { name: "guide.md · passage 1" })).toBeVisible();
  await alice.page.reload();
  await expect(aliceChat.lastReply.getByRole("link", { name: "guide.md · passage 1" })).toBeVisible();
  await expect(aliceChat.lastReply).toContainText(fact);

  // Bob, a member: sees the project in the workspace's sidebar, reads it, starts a thread in it.
  await bob.page.goto(`/w/${space.slug}`);
  await projectsRegion(bob.page).getByRole("link", { name: projectName }).click();
  await expect(bob.page.getByRole("heading", { level: 1, name: projectName })).toBeVisible();
  await expect(bob.page.getByRole("main")).toContainText(projectMarker);
  await expect(bob.page.getByRole("textbox", { name: "Instructions" })).toHaveCount(0);
  await expect(bob.page.getByLabel("Add file")).toHaveCount(0);
  await expect(bob.page.getByRole("button", { name: "Remove guide.md" })).toHaveCount(0);
  await expect(bob.page.getByRole("button", { name: "Delete project" })).toHaveCount(0);
  await bob.page.setViewportSize({ width: 390, height: 844 });
  await bob.page.screenshot({ path: "/tmp/h3-shot-bob-phone.png", fullPage: true });
  await expect(bob.page.getByRole("listitem").filter({ hasText: "guide.md" })).toContainText("Indexed");
  await bob.page.getByRole("button", { name: "New thread in project" }).click();
  await expect(bob.page).toHaveURL(new RegExp(`/w/${space.slug}/chat/[0-9a-f-]{36}$`));
  const bobChat = chatPage(bob.page);
  const bobAsks = `[system] What cools the zorblax reactor? ${t}`;
  await bobChat.send(bobAsks);
  await expect(bobChat.lastReply).toContainText(projectMarker);
  await expect(bobChat.lastReply).toContainText(fact);
  // Alice's own instructions are hers: never in Bob's turns.
  const bobSystem = (await systemTextFor(bobAsks)) ?? "";
  expect(bobSystem).toContain(fact);
  expect(bobSystem).not.toContain(personalMarker);
  await bobChat.lastReply.getByRole("link", { name: "guide.md · passage 1" }).click();
  await expect(bob.page.getByRole("heading", { name: "Passage 1" })).toBeVisible();

  // Carol, in no workspace with them: the project, its files and its sources are not there for her.
  const carol = await newPerson(browser, "Carol");
  await expectHiddenFrom(carol.page.request, projectId, file.id);
  await expectNotFoundPages(carol.page, projectId, file.id);

  await Promise.all([alice.context.close(), bob.context.close(), carol.context.close()]);
});

test("a thread gets passages only from its own project: moved to another, it gets that one's; out of any, none; another person's project is a 404", async ({
  page,
  playwright,
}) => {
  test.slow();
  const [one, two] = [tag(), tag()];
  await signUp(page, "Zookeeper");
  const first = await createProject(page.request, `Zoo one ${one}`, `First project rules ${one}`);
  const second = await createProject(page.request, `Zoo two ${two}`, `Second project rules ${two}`);
  const firstFact = `The quokka ${one} lives on Rottnest island.`;
  const secondFact = `The quokka ${two} eats leaves at night.`;
  const firstFile = await addIndexedFile(page.request, first.id, "one.txt", firstFact);
  await addIndexedFile(page.request, second.id, "two.txt", secondFact);

  await page.goto(`/projects/${first.id}`);
  await expect(page.getByRole("listitem").filter({ hasText: "one.txt" })).toContainText("Indexed");
  await page.getByRole("button", { name: "New thread in project" }).click();
  await expect(page).toHaveURL(/\/chat\/[0-9a-f-]{36}$/);
  const chat = chatPage(page);
  const threadId = chat.threadId();

  const firstAsk = `[system] Where does the quokka live? ${one}`;
  await chat.send(firstAsk);
  await expect(chat.lastReply).toContainText(firstFact);
  await expect(chat.lastReply).toContainText(`First project rules ${one}`);
  // The other project's passages (and instructions) never reach the model.
  expect(await systemTextFor(firstAsk)).not.toContain(two);
  await expect(chat.lastReply.getByRole("link", { name: "one.txt · passage 1" })).toBeVisible();
  await expect(chat.stopButton).toBeHidden();

  // Moved into the other project (the Project box): that project's instructions and passages only.
  await projectBox(page).selectOption({ label: `Zoo two ${two}` });
  await expect
    .poll(
      async () =>
        ((await (await page.request.get(`/api/threads/${threadId}`)).json()) as { projectId: string }).projectId,
    )
    .toBe(second.id);
  await expect(instructionsLine(page)).toContainText(`Project: Zoo two ${two}`);
  const secondAsk = `[system] What does the quokka eat? ${two}`;
  await chat.send(secondAsk);
  await expect(chat.lastReply).toContainText(secondFact);
  await expect(chat.lastReply).toContainText(`Second project rules ${two}`);
  expect(await systemTextFor(secondAsk)).not.toContain(one);
  await expect(chat.lastReply.getByRole("link", { name: "two.txt · passage 1" })).toBeVisible();
  await expect(chat.stopButton).toBeHidden();

  // Out of any project: no project instructions, no passages, no sources.
  await projectBox(page).selectOption({ label: "No project" });
  await expect
    .poll(
      async () =>
        ((await (await page.request.get(`/api/threads/${threadId}`)).json()) as { projectId: unknown }).projectId,
    )
    .toBeNull();
  const lastAsk = `[system] Tell me about the quokka. ${one} ${two}`;
  await chat.send(lastAsk);
  await expect(chat.lastReply).toContainText("System: (none)");
  expect(await systemTextFor(lastAsk)).toBeNull();
  await expect(chat.lastReply.getByRole("list", { name: "Sources" })).toHaveCount(0);

  // A longer file is split into passages; its page walks them.
  const paragraph = (n: number) =>
    `Paragraph ${n} about quokka habits. ${"Quokkas rest in the shade by day. ".repeat(30)}`;
  const long = await addIndexedFile(page.request, first.id, "long.txt", [1, 2, 3].map(paragraph).join("\n\n"));
  expect(long.passages).toBeGreaterThan(0);
  await page.goto(`/projects/${first.id}/files/${long.id}?passage=1`);
  await expect(page.getByRole("heading", { name: "Passage 1" })).toBeVisible();
  await expect(page.getByRole("main")).toContainText("Paragraph 1 about quokka habits.");
  await expect(page.getByRole("link", { name: "Previous passage" })).toHaveCount(0);
  await page.getByRole("link", { name: "Next passage" }).click();
  await expect(page).toHaveURL(new RegExp(`\\?passage=2$`));
  await expect(page.getByRole("heading", { name: "Passage 2" })).toBeVisible();
  await page.getByRole("link", { name: "Previous passage" }).click();
  await expect(page.getByRole("heading", { name: "Passage 1" })).toBeVisible();
  await page.goto(`/projects/${first.id}/files/${long.id}?passage=999`);
  await expect(page.getByRole("status")).toHaveText("This file has no passage 999.");

  // Its editor removes a file, then deletes the project: its threads stay, outside any project.
  await page.goto(`/projects/${second.id}`);
  await page.getByRole("button", { name: "Remove two.txt" }).click();
  await expect(page.getByRole("status").filter({ hasText: "two.txt removed." })).toBeVisible();
  await expect(page.getByRole("listitem").filter({ hasText: "two.txt" })).toHaveCount(0);
  await page.getByRole("button", { name: "Delete project" }).click();
  await page
    .getByRole("group", { name: `Delete Zoo two ${two}?` })
    .getByRole("button", { name: "Confirm delete" })
    .click();
  await expect(page).toHaveURL(/\/$/);
  expect((await page.request.get(`/api/projects/${second.id}`)).status()).toBe(404);
  expect((await page.request.get(`/api/threads/${threadId}`)).status()).toBe(200);

  // Someone else, signed in: the personal project is not there for them, by API or page.
  const other = await apiUser(playwright, baseURL, "Stranger");
  await expectHiddenFrom(other.request, first.id, firstFile.id);
  const strangerContext = await page.context().browser()!.newContext();
  const strangerPage = await strangerContext.newPage();
  await signUp(strangerPage, "Stranger");
  await expectNotFoundPages(strangerPage, first.id, firstFile.id);
  // Nor can they put a thread of theirs in it.
  const theirs = await (await other.request.post("/api/threads", { data: {} })).json();
  const moved = await other.request.put(`/api/threads/${theirs.id}/project`, { data: { projectId: first.id } });
  expect(moved.status()).toBe(404);
  expect(await moved.json()).toEqual(projectNotFound);
  await strangerContext.close();
});
