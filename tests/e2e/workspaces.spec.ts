import { expect, test, type APIRequestContext, type Browser, type Page } from "@playwright/test";
import { chatPage } from "./chat-page";
import { withDb } from "./db";
import { signUp } from "./helpers";
import { uniqueEmail } from "../support/unique-email";

/** A name and slug no other test (or retry) uses: slugs are unique on the instance. */
function uniqueWorkspace(prefix: string) {
  const tag = `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
  return { name: `${prefix} ${tag}`, slug: `${prefix.toLowerCase()}-${tag}` };
}

/** The address is verified as the mailed link would make it (the session cache hears of it at once). */
const markVerified = (email: string) =>
  withDb((client) => client.query(`update "user" set email_verified = true where email = $1`, [email]));

async function newPerson(browser: Browser, name: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const email = await signUp(page, name, uniqueEmail(name.toLowerCase()));
  return { context, page, email };
}

const switcher = (page: Page) => page.getByRole("combobox", { name: "Workspace" });
const currentSpace = (page: Page) => page.getByTestId("current-space");

/** Through the API, as the settings page does: a new invitation's link (shown once). */
async function invite(request: APIRequestContext, workspaceId: string, email: string, role = "member") {
  const response = await request.post(`/api/workspaces/${workspaceId}/invitations`, { data: { email, role } });
  expect(response.status()).toBe(201);
  return ((await response.json()) as { url: string }).url;
}

/**
 * Whatever space the header names, the sidebar (list and search) never holds a title of the other
 * space, at any moment: watched in this document and in any loaded later. The returned list
 * collects what was seen.
 */
async function watchForFlashes(
  page: Page,
  spaces: { workspace: string; personalTitle: string; workspaceTitle: string },
): Promise<string[]> {
  const flashes: string[] = [];
  await page.exposeFunction("__spaceFlash", (seen: string) => flashes.push(seen));
  const watch = ({ workspace, personalTitle, workspaceTitle }: typeof spaces) => {
    const check = () => {
      const space = document.querySelector('[data-testid="current-space"]')?.textContent;
      const sidebar = document.querySelector('nav[aria-label="Threads"]')?.textContent ?? "";
      const report = (window as unknown as { __spaceFlash: (s: string) => void }).__spaceFlash;
      if (space === "Personal" && sidebar.includes(workspaceTitle)) report(`Personal showed: ${sidebar}`);
      if (space === workspace && sidebar.includes(personalTitle)) report(`${space} showed: ${sidebar}`);
    };
    new MutationObserver(check).observe(document, { subtree: true, childList: true, characterData: true });
  };
  await page.addInitScript(watch, spaces);
  await page.evaluate(watch, spaces);
  return flashes;
}

test("a workspace made in the browser: invite, accept through the link, switch spaces with no flash of the other one", async ({
  browser,
}) => {
  // Four people, each signed up in a browser of their own: 40 s on a quiet machine.
  test.setTimeout(120_000);
  const alice = await newPerson(browser, "Alice");
  const chat = chatPage(alice.page);
  await expect(currentSpace(alice.page)).toHaveText("Personal");
  await chat.send("personal alpha");
  await expect(chat.threadList.getByText("Title: personal alpha")).toBeVisible();
  const personalThread = chat.threadId();

  // Create: the address follows the name until edited.
  const { name, slug } = uniqueWorkspace("Acme");
  await switcher(alice.page).selectOption({ label: "New workspace" });
  await expect(alice.page).toHaveURL(/\/workspaces\/new$/);
  await alice.page.getByLabel("Name").fill(name);
  await expect(alice.page.getByLabel("Address")).toHaveValue(slug);
  await alice.page.getByRole("button", { name: "Create workspace" }).click();
  await expect(alice.page).toHaveURL(new RegExp(`/w/${slug}$`));
  await expect(currentSpace(alice.page)).toHaveText(name);
  await expect(chat.threadList.getByText("No threads yet.")).toBeVisible();

  // A thread in the workspace has the workspace's address.
  await chat.send("team beta");
  await expect(chat.threadList.getByText("Title: team beta")).toBeVisible();
  await expect(alice.page).toHaveURL(new RegExp(`/w/${slug}/chat/[0-9a-f-]{36}$`));
  const teamThread = chat.threadId();
  await expect(chat.threadList.getByText("Title: personal alpha")).toHaveCount(0);
  await chat.threadList.getByRole("button", { name: "New thread" }).click();
  await expect(alice.page).toHaveURL(new RegExp(`/w/${slug}$`));

  // Switching: whatever the header names, the list never holds the other space's threads, at any
  // moment (watched in this document, and in any loaded later).
  const flashes = await watchForFlashes(alice.page, {
    workspace: name,
    personalTitle: "personal alpha",
    workspaceTitle: "team beta",
  });
  const inPersonal = async () => {
    await expect(alice.page).toHaveURL(/\/$/);
    await expect(currentSpace(alice.page)).toHaveText("Personal");
    await expect(chat.threadList.getByText("Title: personal alpha")).toBeVisible();
    await expect(chat.threadList.getByText("Title: team beta")).toHaveCount(0);
  };
  const inWorkspace = async () => {
    await expect(alice.page).toHaveURL(new RegExp(`/w/${slug}$`));
    await expect(currentSpace(alice.page)).toHaveText(name);
    await expect(chat.threadList.getByText("Title: team beta")).toBeVisible();
    await expect(chat.threadList.getByText("Title: personal alpha")).toHaveCount(0);
  };
  for (let round = 0; round < 2; round++) {
    await switcher(alice.page).selectOption({ label: "Personal" });
    await inPersonal();
    await switcher(alice.page).selectOption({ label: name });
    await inWorkspace();
  }
  // Back and Forward show a space's page without asking the server for it: the list still
  // belongs to the space the page names, and new threads go there.
  await alice.page.goBack();
  await inPersonal();
  await alice.page.goForward();
  await inWorkspace();
  await alice.page.goBack();
  await inPersonal();
  const personalThreads = (await (await alice.page.request.get("/api/threads")).json()) as { workspaceId: string };
  expect(personalThreads.workspaceId).toBeNull();
  await switcher(alice.page).selectOption({ label: name });
  await inWorkspace();
  // The model menu remembers each space's last choice (for as long as the page lives).
  const modelMenu = alice.page.getByLabel("Model", { exact: true });
  await modelMenu.selectOption("fake-model-mini");
  await switcher(alice.page).selectOption({ label: "Personal" });
  await inPersonal();
  await expect(modelMenu).toHaveValue("fake-model");
  await switcher(alice.page).selectOption({ label: name });
  await inWorkspace();
  await expect(modelMenu).toHaveValue("fake-model-mini");

  // Search follows the space too.
  await chat.threadList.getByRole("searchbox", { name: "Search threads" }).fill("alpha");
  await expect(chat.threadList.getByText("No threads match.")).toBeVisible();
  await chat.threadList.getByRole("searchbox", { name: "Search threads" }).fill("beta");
  await expect(chat.threadList.getByRole("list", { name: "Search results" })).toContainText("team beta");
  expect(flashes).toEqual([]);

  // Old links keep working: /chat/:id of a workspace thread goes to its workspace address, and the other way round.
  await alice.page.goto(`/chat/${teamThread}`);
  await expect(alice.page).toHaveURL(new RegExp(`/w/${slug}/chat/${teamThread}$`));
  await expect(chat.userMessages).toContainText("team beta");
  await expect(currentSpace(alice.page)).toHaveText(name);
  await alice.page.goto(`/w/${slug}/chat/${personalThread}`);
  await expect(alice.page).toHaveURL(new RegExp(`/chat/${personalThread}$`));
  await expect(currentSpace(alice.page)).toHaveText("Personal");
  await expect(chat.userMessages).toContainText("personal alpha");

  // Only a page that names a space moves the session: the account page (whose links to "/" the
  // router may prefetch) leaves it where it was.
  await alice.page.goto(`/w/${slug}`);
  await alice.page.goto("/account");
  await expect(alice.page.getByRole("link", { name: "Back to chats" })).toBeVisible();
  await alice.page.waitForTimeout(1000);
  const { active } = (await (await alice.page.request.get("/api/workspaces")).json()) as { active: { slug: string } };
  expect(active.slug).toBe(slug);

  // Invite from the settings page: the link is shown once.
  const bobEmail = uniqueEmail("bob");
  await alice.page.goto(`/w/${slug}`);
  await switcher(alice.page).selectOption({ label: "Workspace settings" });
  await expect(alice.page).toHaveURL(new RegExp(`/w/${slug}/settings$`));
  await alice.page.getByLabel("Email").fill(bobEmail);
  await alice.page.getByRole("button", { name: "Invite" }).click();
  const linkField = alice.page.getByRole("textbox", { name: "Invitation link" });
  await expect(linkField).toHaveValue(/\/invite\/[A-Za-z0-9_-]+$/);
  await expect(alice.page.getByRole("button", { name: "Copy link" })).toBeVisible();
  const link = await linkField.inputValue();
  const invitations = alice.page.getByRole("list", { name: "Pending invitations" });
  await expect(invitations).toContainText(bobEmail);
  await alice.page.reload();
  await expect(alice.page.getByRole("heading", { name: "Members" })).toBeVisible();
  await expect(linkField).toHaveCount(0);
  await expect(invitations).toContainText(bobEmail);

  // Bob signs up, opens the link: first his address must be confirmed, then he accepts.
  const eve = await newPerson(browser, "Eve");
  const bobContext = await browser.newContext();
  const bobPage = await bobContext.newPage();
  await bobPage.goto(link);
  await expect(bobPage.getByRole("heading", { name: `Join ${name}` })).toBeVisible();
  await expect(bobPage.getByRole("link", { name: "Sign in to accept" })).toHaveAttribute(
    "href",
    `/sign-in?callbackURL=${new URL(link).pathname}`,
  );
  await expect(bobPage.getByRole("link", { name: "Create an account" })).toHaveAttribute(
    "href",
    new RegExp(`^/sign-up\\?workspace-invite=${new URL(link).pathname.split("/").at(-1)}`),
  );
  await signUp(bobPage, "Bob", bobEmail);
  await bobPage.goto(link);
  await expect(bobPage.locator("main").getByRole("alert")).toContainText("Confirm your email address first");
  // Someone else's account sees that it is not theirs.
  await eve.page.goto(link);
  await expect(eve.page.locator("main").getByRole("alert")).toContainText(`This invitation is for ${bobEmail}`);
  await markVerified(bobEmail);
  await bobPage.reload();
  await bobPage.getByRole("button", { name: "Accept invitation" }).click();
  await expect(bobPage).toHaveURL(new RegExp(`/w/${slug}$`));
  await expect(currentSpace(bobPage)).toHaveText(name);
  await expect(chatPage(bobPage).threadList.getByText("No threads yet.")).toBeVisible();
  await expect(chatPage(bobPage).threadList.getByText("team beta")).toHaveCount(0);
  // A used link says so.
  await eve.page.reload();
  await expect(eve.page.locator("main").getByRole("alert")).toContainText("already been used");

  // A non-member's /w/:slug (and a thread's address there) is the same 404 page as a missing one.
  const carol = await newPerson(browser, "Carol");
  for (const path of [`/w/${slug}`, `/w/${slug}/chat/${teamThread}`, `/w/${slug}/settings`, `/chat/${teamThread}`]) {
    const response = await carol.page.goto(path);
    expect(response?.status(), path).toBe(404);
    await expect(carol.page.getByRole("heading", { name: "Not found" })).toBeVisible();
  }
  const missing = await carol.page.goto(`/w/no-such-${slug}`);
  expect(missing?.status()).toBe(404);
  await expect(switcher(carol.page)).toHaveCount(0);
  await carol.page.goto("/");
  await expect(switcher(carol.page).getByRole("option")).toHaveText(["Personal", "New workspace"]);

  for (const person of [alice, eve, carol]) await person.context.close();
  await bobContext.close();
});

test("settings: a role changed, a member removed, the last owner cannot leave, and deleting moves threads to their authors", async ({
  browser,
}) => {
  const alice = await newPerson(browser, "Alice");
  const { name, slug } = uniqueWorkspace("Team");
  const created = await alice.page.request.post("/api/workspaces", { data: { name, slug } });
  expect(created.status()).toBe(201);
  const workspace = (await created.json()) as { id: string };
  const bob = await newPerson(browser, "Bob");
  const dave = await newPerson(browser, "Dave");
  for (const person of [bob, dave]) {
    await markVerified(person.email);
    const link = await invite(alice.page.request, workspace.id, person.email);
    const accepted = await person.page.request.post(
      `/api/invitations/${new URL(link).pathname.split("/").at(-1)}/accept`,
    );
    expect(accepted.status()).toBe(200);
  }
  // Alice's thread in the workspace (the page makes the workspace active; the API then works in it).
  await alice.page.goto(`/w/${slug}`);
  const thread = await alice.page.request.post("/api/threads", { data: { title: "Team gamma notes" } });
  expect(((await thread.json()) as { workspaceId: string }).workspaceId).toBe(workspace.id);

  await alice.page.goto(`/w/${slug}/settings`);
  const members = alice.page.getByRole("region", { name: "Members" });
  await expect(members.getByRole("listitem")).toHaveCount(3);

  // Bob becomes an admin, once the server has the change (a reload before then would cancel it).
  const roleSaved = alice.page.waitForResponse(
    (r) => r.request().method() === "PATCH" && new URL(r.url()).pathname.includes("/members/"),
  );
  await members.getByRole("combobox", { name: "Role for Bob" }).selectOption("admin");
  expect((await roleSaved).ok()).toBe(true);
  await expect(members.getByRole("combobox", { name: "Role for Bob" })).toHaveValue("admin");
  await alice.page.reload();
  await expect(members.getByRole("combobox", { name: "Role for Bob" })).toHaveValue("admin");

  // Dave is removed.
  await members.getByRole("button", { name: "Remove Dave" }).click();
  await members.getByRole("button", { name: "Confirm remove" }).click();
  await expect(members.getByRole("listitem")).toHaveCount(2);
  const daveSees = await dave.page.goto(`/w/${slug}`);
  expect(daveSees?.status()).toBe(404);

  // The last owner cannot leave, and cannot step down either.
  await alice.page.getByRole("button", { name: "Leave workspace" }).click();
  await alice.page.getByRole("button", { name: "Yes, leave" }).click();
  await expect(alice.page.getByRole("region", { name: "Leave or delete" }).getByRole("alert")).toContainText(
    "A workspace needs an owner",
  );
  await members.getByRole("combobox", { name: "Role for Alice" }).selectOption("member");
  await expect(members.getByRole("alert")).toContainText("A workspace needs an owner");
  await expect(members.getByRole("combobox", { name: "Role for Alice" })).toHaveValue("owner");

  // A revoked invitation leaves the list, and its link says so; so does an expired one's.
  const invitations = alice.page.getByRole("region", { name: "Invitations" });
  const revokedEmail = uniqueEmail("revoked");
  await invitations.getByLabel("Email").fill(revokedEmail);
  await invitations.getByRole("button", { name: "Invite" }).click();
  const revokedLink = await invitations.getByRole("textbox", { name: "Invitation link" }).inputValue();
  await invitations.getByRole("button", { name: `Revoke invitation for ${revokedEmail}` }).click();
  await expect(invitations.getByText("No pending invitations.")).toBeVisible();
  await dave.page.goto(revokedLink);
  await expect(dave.page.locator("main").getByRole("alert")).toContainText("was revoked");
  const expiredLink = await invite(alice.page.request, workspace.id, uniqueEmail("expired"));
  await withDb((client) =>
    client.query(`update workspace_invitation set expires_at = now() - interval '1 minute' where id = $1`, [
      new URL(expiredLink).pathname.split("/").at(-1),
    ]),
  );
  await dave.page.goto(expiredLink);
  await expect(dave.page.locator("main").getByRole("alert")).toContainText("has expired");

  // What an admin may not do is not offered.
  await bob.page.goto(`/w/${slug}/settings`);
  const bobMembers = bob.page.getByRole("region", { name: "Members" });
  await expect(bobMembers.getByRole("combobox", { name: "Role for Alice" })).toBeDisabled();
  await expect(bobMembers.getByRole("button", { name: "Remove Alice" })).toHaveCount(0);
  await expect(bob.page.getByRole("button", { name: "Delete workspace" })).toHaveCount(0);
  await expect(bob.page.getByRole("heading", { name: "Invitations" })).toBeVisible();

  // Deleting: the confirmation says where the threads go; they are then in their authors' personal lists.
  await alice.page.getByRole("button", { name: "Delete workspace" }).click();
  await expect(alice.page.getByRole("group", { name: `Delete ${name}?` })).toContainText(
    "moves to its author's personal space",
  );
  await alice.page.getByRole("button", { name: "Yes, delete it" }).click();
  await expect(alice.page).toHaveURL(/\/$/);
  await expect(currentSpace(alice.page)).toHaveText("Personal");
  await expect(chatPage(alice.page).threadList.getByText("Team gamma notes")).toBeVisible();
  await expect(switcher(alice.page).getByRole("option", { name })).toHaveCount(0);
  const gone = await bob.page.goto(`/w/${slug}`);
  expect(gone?.status()).toBe(404);

  for (const person of [alice, bob, dave]) await person.context.close();
});

test("another tab moves the session: this tab's search and new threads stay in its own space", async ({ page }) => {
  const chat = chatPage(page);
  await signUp(page, "Two tabs", uniqueEmail("two-tabs"));
  expect((await page.request.post("/api/threads", { data: { title: "Personal alpha notes" } })).status()).toBe(201);
  const { name, slug } = uniqueWorkspace("Tabs");
  const created = await page.request.post("/api/workspaces", { data: { name, slug } });
  const workspace = (await created.json()) as { id: string };
  expect((await page.request.post("/api/threads", { data: { title: "Team beta notes" } })).status()).toBe(201);
  await page.goto(`/w/${slug}`);
  await expect(chat.threadList.getByText("Team beta notes")).toBeVisible();
  const flashes = await watchForFlashes(page, {
    workspace: name,
    personalTitle: "Personal alpha",
    workspaceTitle: "Team beta",
  });

  // The other tab opens the personal space: the session is there now.
  const other = await page.context().newPage();
  await other.goto("/");
  await expect(chatPage(other).threadList.getByText("Personal alpha notes")).toBeVisible();
  const search = chat.threadList.getByRole("searchbox", { name: "Search threads" });
  await search.fill("alpha");
  await expect(chat.threadList.getByText("No threads match.")).toBeVisible();
  await search.fill("beta");
  await expect(chat.threadList.getByRole("list", { name: "Search results" })).toContainText("Team beta notes");
  await search.fill("");

  await other.reload();
  await expect(chatPage(other).threadList.getByText("Personal alpha notes")).toBeVisible();
  await chat.send("made in the workspace tab");
  await expect(chat.threadList.getByText("Title: made in the workspace")).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`/w/${slug}/chat/[0-9a-f-]{36}$`));
  const thread = (await (await page.request.get(`/api/threads/${chat.threadId()}`)).json()) as { workspaceId: string };
  expect(thread.workspaceId).toBe(workspace.id);
  expect(flashes).toEqual([]);
  await other.close();
});

test.describe("on a phone", () => {
  test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

  test("the header names the space, and the switcher is in the Threads drawer", async ({ page }) => {
    await signUp(page, "Phone switcher", uniqueEmail("phone-switcher"));
    const { name, slug } = uniqueWorkspace("Pocket");
    expect((await page.request.post("/api/workspaces", { data: { name, slug } })).status()).toBe(201);
    await page.goto("/");
    await expect(currentSpace(page)).toHaveText("Personal");
    await expect(switcher(page)).toBeHidden();
    await page.getByRole("button", { name: "Threads" }).tap();
    await switcher(page).selectOption({ label: name });
    await expect(page).toHaveURL(new RegExp(`/w/${slug}$`));
    await expect(currentSpace(page)).toHaveText(name);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  });
});
