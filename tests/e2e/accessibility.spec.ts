import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { chatPage } from "./chat-page";
import { password } from "./helpers";
import { withDb } from "./db";
import { addIndexedFile, createProject } from "./projects";
import { browserPerson, share, threadWithReply } from "./share-links";
import { uniqueEmail } from "../support/unique-email";

/**
 * axe-core (WCAG 2.0 and 2.1, levels A and AA) on every page of the app, signed out and signed
 * in, on a desktop and at 390 px, in the light and the dark theme: no violation anywhere. The
 * people and their threads, projects and workspaces are made over the API (those flows have
 * specs of their own); the pages are opened as a person opens them.
 */

const baseURL = `http://127.0.0.1:${process.env.E2E_PORT}`;
const wcag = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const tag = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 46656).toString(36)}`;

/** The page as it is now, in the light theme and then the dark one (as the theme script sets them), has no violation. */
async function expectAccessible(page: Page, what: string) {
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.evaluate((dark) => {
      document.documentElement.classList.toggle("dark", dark);
      document.documentElement.style.colorScheme = dark ? "dark" : "light";
    }, scheme === "dark");
    const results = await new AxeBuilder({ page }).withTags(wcag).analyze();
    const found = results.violations.map((v) => ({
      rule: v.id,
      help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(" ")}: ${n.failureSummary?.replace(/\s+/g, " ")}`),
    }));
    expect.soft(found, `${what} (${scheme})`).toEqual([]);
  }
}

/** Opens `path` and waits for `ready` (something only the finished, hydrated page shows), then checks it. */
async function visit(page: Page, path: string, ready: (page: Page) => Promise<void>, what = path) {
  await page.goto(path);
  await ready(page);
  await expectAccessible(page, what);
}

const heading = (name: string | RegExp) => async (page: Page) =>
  expect(page.getByRole("heading", { name }).first()).toBeVisible();

/** A signed-in chat page, live: the message box enabled and the thread list loaded. */
const chatReady = async (page: Page) => {
  const chat = chatPage(page);
  await expect(chat.messageBox).toBeEnabled();
  await expect(chat.threadList.getByText("Loading threads…")).toHaveCount(0);
};

/** The instance's admin (tests/e2e/helpers.ts), signed in in a browser context of its own. */
async function adminPage(browser: Browser) {
  const context = await browser.newContext({ baseURL });
  const email = "e2e-admin@example.com";
  await context.request.post("/api/auth/sign-up/email", {
    data: { name: "E2E Admin", email, password },
    headers: { origin: baseURL },
  });
  await withDb((c) => c.query(`update "user" set email_verified = true where email = $1`, [email]));
  const signIn = await context.request.post("/api/auth/sign-in/email", {
    data: { email, password },
    headers: { origin: baseURL },
  });
  expect(signIn.status()).toBe(200);
  return { context, page: await context.newPage() };
}

test("signed-out pages: sign in, sign up, password reset, an invitation, a share link's and the app's 404", async ({
  browser,
  page,
}) => {
  // A workspace invitation to open signed out, as its email's recipient does.
  const owner = await browserPerson(browser, baseURL, "Inviter");
  const workspace = await owner.request.post("/api/workspaces", { data: { name: "Acme", slug: `acme-${tag()}` } });
  expect(workspace.status()).toBe(201);
  const { id: workspaceId } = (await workspace.json()) as { id: string };
  const invited = await owner.request.post(`/api/workspaces/${workspaceId}/invitations`, {
    data: { email: uniqueEmail("invited"), role: "member" },
  });
  expect(invited.status()).toBe(201);
  const { invitation } = (await invited.json()) as { invitation: { id: string } };
  await owner.context.close();

  const signInForm = async (p: Page) => expect(p.getByRole("button", { name: "Sign in", exact: true })).toBeEnabled();
  await visit(page, "/sign-in", signInForm);
  await visit(page, "/sign-up", async (p) => expect(p.getByRole("button", { name: "Sign up" })).toBeEnabled());
  await visit(page, "/forgot-password", heading("Reset your password"));
  await visit(page, "/reset-password?token=not-a-real-token", heading(/password/i));
  await visit(page, "/reset-password?error=INVALID_TOKEN", heading(/password/i));
  await visit(page, `/invite/${invitation.id}`, heading("Join Acme"));
  await visit(page, `/s/${"A".repeat(43)}`, heading("Not found"), "/s/:token (unknown link)");
  // A signed-out visitor of the app's pages is sent to sign in (with where to come back to).
  await visit(page, "/account", signInForm, "/account signed out");
});

test("the chat: / with a thread in the list, /chat/:id with its reply, the shortcuts dialog, the archived view", async ({
  browser,
}) => {
  const person = await browserPerson(browser, baseURL, "Reader");
  const { page } = person;
  const thread = await threadWithReply(person, "Groceries", "A **list** of `things`");
  const chat = chatPage(page);

  await visit(page, "/", async (p) => {
    await chatReady(p);
    await expect(chat.threadList.getByText("Groceries")).toBeVisible();
  });
  await visit(page, `/chat/${thread.id}`, async (p) => {
    await chatReady(p);
    await expect(chat.lastReply).toContainText("— done.");
  });

  // What opens on the page: the shortcuts dialog, a delete prompt, the archived view.
  await page.getByRole("button", { name: "Keyboard shortcuts" }).click();
  await expect(page.getByRole("dialog", { name: "Keyboard shortcuts" })).toBeVisible();
  await expectAccessible(page, "shortcuts dialog");
  await page.keyboard.press("Escape");
  await chat.threadList.getByRole("button", { name: "Delete Groceries" }).click();
  await expect(chat.threadList.getByRole("button", { name: "Confirm delete" })).toBeVisible();
  await expectAccessible(page, "delete prompt");
  await chat.threadList.getByRole("button", { name: "Cancel" }).click();
  await chat.threadList.getByRole("button", { name: "Archived" }).click();
  await expect(chat.threadList.getByText("No archived threads.")).toBeVisible();
  await expectAccessible(page, "archived view");
  await visit(page, "/no-such-page", heading("Not found"));
  await person.context.close();
});

test("account, workspace, projects and a share link, signed in", async ({ browser }) => {
  // Seven pages, each checked twice, after a reply, a share link and an indexed file are made: at
  // the start of a full run, with every worker setting up at once, that took more than 60 s.
  test.slow();
  const person = await browserPerson(browser, baseURL, "Owner");
  const { page, request } = person;
  const thread = await threadWithReply(person, "Shared notes", "Notes worth sharing");
  const link = await share(person, thread.id);
  const project = await createProject(request, "Handbook", "Answer from the handbook.");
  const file = await addIndexedFile(request, project.id, "handbook.md", "# Handbook\n\nThe office opens at nine.\n");
  const slug = `team-${tag()}`;
  expect((await request.post("/api/workspaces", { data: { name: "Team", slug } })).status()).toBe(201);

  await visit(page, "/account", heading("Account"));
  await visit(page, `/projects/${project.id}`, heading("Handbook"));
  await visit(page, `/projects/${project.id}/files/${file.id}`, heading("handbook.md"));
  await visit(page, link.path, heading("Shared notes"), "/s/:token");
  await visit(page, "/workspaces/new", async (p) =>
    expect(p.getByRole("button", { name: "Create workspace" })).toBeEnabled(),
  );
  await visit(page, `/w/${slug}`, chatReady, "/w/:slug");
  await visit(page, `/w/${slug}/settings`, heading("Team: settings"), "/w/:slug/settings");
  await person.context.close();
});

test("/admin, as an admin", async ({ browser }) => {
  const { context, page } = await adminPage(browser);
  await visit(page, "/admin", async (p) => {
    await expect(p.getByRole("heading", { name: "Admin" }).first()).toBeVisible();
    await expect(p.getByRole("table").first()).toBeVisible();
  });
  await context.close();
});

test.describe("at 390 px", () => {
  test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

  test("/ and a thread, with the drawer and the menu open", async ({ browser }) => {
    const person = await browserPerson(browser, baseURL, "Phone", {
      viewport: { width: 390, height: 844 },
      hasTouch: true,
      isMobile: true,
    });
    const { page } = person;
    const thread = await threadWithReply(person, "On the go", "Hello from a phone");
    const chat = chatPage(page);
    await visit(page, "/", chatReady, "/ at 390 px");
    await visit(
      page,
      `/chat/${thread.id}`,
      async (p) => {
        await expect(p.getByRole("textbox", { name: "Message" })).toBeEnabled();
        await expect(chat.lastReply).toContainText("— done.");
      },
      "/chat/:id at 390 px",
    );
    await page.getByRole("button", { name: "Threads" }).tap();
    await expect(chat.threadList.getByText("On the go")).toBeVisible();
    await expectAccessible(page, "thread drawer at 390 px");
    await page.getByRole("button", { name: "Threads" }).tap();
    await page.getByRole("button", { name: "Menu" }).tap();
    await expect(page.getByRole("link", { name: "Account" })).toBeVisible();
    await expectAccessible(page, "header menu at 390 px");
    await person.context.close();
  });
});
