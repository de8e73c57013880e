import { expect, test } from "@playwright/test";
import { chatPage } from "./chat-page";
import { apiUser, signUp } from "./helpers";

const threadUrl = /\/chat\/[0-9a-f-]{36}$/;

test("pins: a pinned thread shows under Pinned (with the keyboard too), opens, survives a reload, and unpinning puts it back", async ({
  page,
}) => {
  const chat = chatPage(page);
  await signUp(page, "Pinner");
  for (const title of ["Alpha plan", "Beta notes", "Gamma list"])
    expect((await page.request.post("/api/threads", { data: { title } })).status()).toBe(201);
  await page.reload();
  const pinned = chat.threadList.getByRole("region", { name: "Pinned" });
  await expect(chat.threadList.getByText("Alpha plan")).toBeVisible();
  await expect(pinned).toHaveCount(0);

  await chat.threadList.getByRole("button", { name: "Pin Alpha plan", exact: true }).click();
  await expect(pinned.getByText("Alpha plan")).toBeVisible();
  // Listed once: under Pinned, not again among the other threads.
  await expect(chat.threadList.getByText("Alpha plan")).toHaveCount(1);
  // The item moved; its button there keeps the focus.
  await expect(pinned.getByRole("button", { name: "Unpin Alpha plan", exact: true })).toBeFocused();

  // With the keyboard alone: focus Pin, press Enter; the newest pin comes first.
  await chat.threadList.getByRole("button", { name: "Pin Gamma list", exact: true }).focus();
  await page.keyboard.press("Enter");
  await expect(pinned.getByRole("button", { name: "Unpin Gamma list", exact: true })).toBeFocused();
  await expect(pinned.getByRole("listitem")).toHaveText([/Gamma list/, /Alpha plan/]);

  const listed = async () =>
    (
      (await (await page.request.get("/api/threads?pinned=true")).json()) as { threads: { title: string }[] }
    ).threads.map((t) => t.title);
  expect(await listed()).toEqual(["Gamma list", "Alpha plan"]);

  await page.reload();
  await expect(pinned.getByRole("listitem")).toHaveText([/Gamma list/, /Alpha plan/]);
  await expect(chat.threadList.getByText("Beta notes")).toBeVisible();

  // A pinned thread opens like any other.
  await pinned.getByText("Alpha plan").click();
  await expect(page).toHaveURL(threadUrl);
  await expect(pinned.locator("[data-active]")).toContainText("Alpha plan");

  await pinned.getByRole("button", { name: "Unpin Gamma list", exact: true }).click();
  await expect(pinned.getByText("Gamma list")).toHaveCount(0);
  await expect(chat.threadList.getByText("Gamma list")).toBeVisible();
  await expect(chat.threadList.getByRole("button", { name: "Pin Gamma list", exact: true })).toBeFocused();

  // Archiving a pinned thread unpins it; the section goes when nothing is pinned.
  await pinned.getByRole("button", { name: "Archive Alpha plan", exact: true }).click();
  await expect(pinned).toHaveCount(0);
  await page.reload();
  await expect(chat.threadList.getByText("Gamma list")).toBeVisible();
  await expect(pinned).toHaveCount(0);
  expect(await listed()).toEqual([]);
  await chat.threadList.getByRole("button", { name: "Archived" }).click();
  await expect(chat.threadList.getByText("Alpha plan")).toBeVisible();
  await expect(chat.threadList.getByRole("button", { name: /^Pin / })).toHaveCount(0);
});

test("pins over HTTP: the author's alone, another person gets a 404 and changes nothing", async ({
  playwright,
  baseURL,
}) => {
  const alice = await apiUser(playwright, baseURL!, "Pin owner");
  const bob = await apiUser(playwright, baseURL!, "Pin stranger");
  const thread = await (await alice.request.post("/api/threads", { data: { title: "Mine" } })).json();
  const before = thread.updatedAt;

  const pin = await alice.request.patch(`/api/threads/${thread.id}`, { data: { pinned: true } });
  expect(pin.status()).toBe(200);
  const pinnedThread = await pin.json();
  expect(pinnedThread).toMatchObject({ id: thread.id, pinnedAt: expect.any(String), updatedAt: before });

  for (const pinned of [true, false]) {
    const refused = await bob.request.patch(`/api/threads/${thread.id}`, { data: { pinned } });
    expect(refused.status()).toBe(404);
    expect(await refused.json()).toEqual({
      error: { code: "not_found", message: "Thread not found.", requestId: expect.any(String) },
    });
  }
  expect((await (await bob.request.get("/api/threads?pinned=true")).json()).threads).toEqual([]);
  const own = await (await alice.request.get("/api/threads?pinned=true")).json();
  expect(own).toEqual({ threads: [pinnedThread], nextCursor: null, workspaceId: null });

  // Archived: unpinned, and not pinned again until restored.
  const archived = await alice.request.patch(`/api/threads/${thread.id}`, { data: { status: "archived" } });
  expect(await archived.json()).toMatchObject({ status: "archived", pinnedAt: null });
  const again = await alice.request.patch(`/api/threads/${thread.id}`, { data: { pinned: true } });
  expect(again.status()).toBe(409);
  expect((await again.json()).error.code).toBe("conflict");
  for (const query of ["pinned=true&status=archived", "pinned=yes", "pinned=true&limit=101"])
    expect((await alice.request.get(`/api/threads?${query}`)).status()).toBe(400);

  await alice.request.dispose();
  await bob.request.dispose();
});
