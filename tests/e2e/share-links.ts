import { expect, type APIRequestContext, type Browser, type BrowserContextOptions } from "@playwright/test";
import type { ShareAudience, ShareLinkJson } from "@/lib/shared/share-links";
import { chatBody, filePart, password, uploadFile } from "./helpers";
import { uniqueEmail } from "../support/unique-email";

/**
 * Share links (/s/<token>) for the browser and API specs: a thread with something in it, made
 * over the API, shared, and the checks every /s/ response must pass.
 */

export type Person = { request: APIRequestContext; userId: string };
export type { ShareLinkJson };

export const tokenPattern = /^[A-Za-z0-9_-]{43}$/;
export const tokenOf = (link: { path: string }) => link.path.split("/").at(-1)!;

/** A token of the right shape that no link has (256 random bits, as the app makes them). */
export const randomToken = () => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");

/**
 * A personal thread of `person`'s titled `title`: the user's message `text` (with `files` uploaded
 * and attached to it) and the fake model's reply "Fake model says: <text> — done.". `[reason]` in
 * the text makes the reply think first (a reasoning part). One chat message against the limit.
 */
export async function threadWithReply(
  person: Person,
  title: string,
  text: string,
  files: { name: string; type: string; bytes: Buffer }[] = [],
) {
  const thread = (await (await person.request.post("/api/threads", { data: { title } })).json()) as {
    id: string;
    workspaceId: string | null;
  };
  const uploads: { id: string; name: string; type: string; size: number }[] = [];
  for (const file of files) {
    const response = await uploadFile(person.request, file.name, file.bytes, file.type);
    expect(response.status(), file.name).toBe(201);
    uploads.push(await response.json());
  }
  const body = chatBody(thread.id, text);
  for (const upload of uploads) body.messages[0].parts.push(filePart(upload) as never);
  const chat = await person.request.post("/api/chat", { data: body });
  expect(chat.status(), await chat.text()).toBe(200);
  await waitForMessages(person, thread.id, 2);
  return { ...thread, uploads };
}

/** One more turn in a thread (one chat message against the limit); resolves once the reply is stored. */
export async function addTurn(person: Person, threadId: string, text: string) {
  const before = await messageCount(person, threadId);
  const messages = (
    (await (await person.request.get(`/api/threads/${threadId}/messages`)).json()) as {
      messages: { id: string; content: { role: string; parts: unknown[] } }[];
    }
  ).messages;
  const turn = {
    id: threadId,
    trigger: "submit-message",
    messages: [
      ...messages.map((m) => ({ id: m.id, ...m.content })),
      { id: `turn-${Date.now()}`, role: "user", parts: [{ type: "text", text }] },
    ],
  };
  const chat = await person.request.post("/api/chat", { data: turn });
  expect(chat.status(), await chat.text()).toBe(200);
  await chat.body();
  await waitForMessages(person, threadId, before + 2);
}

const messageCount = async (person: Person, threadId: string) =>
  ((await (await person.request.get(`/api/threads/${threadId}/messages`)).json()) as { messages: unknown[] }).messages
    .length;

export const waitForMessages = (person: Person, threadId: string, count: number) =>
  expect.poll(() => messageCount(person, threadId)).toBe(count);

/** PUT /api/threads/:id/link: the link (created: 201, replaced: 200). */
export async function share(person: Person, threadId: string, audience?: ShareAudience, status?: 200 | 201) {
  const response = await person.request.put(
    `/api/threads/${threadId}/link`,
    audience ? { data: { audience } } : undefined,
  );
  const text = await response.text();
  if (status) expect(response.status(), text).toBe(status);
  else expect([200, 201], text).toContain(response.status());
  return JSON.parse(text) as ShareLinkJson;
}

/** A person signed up in a browser context of their own (through the API: the sign-up form is tested elsewhere). */
export async function browserPerson(
  browser: Browser,
  baseURL: string,
  name: string,
  options: BrowserContextOptions = {},
) {
  const context = await browser.newContext({ ...options, baseURL });
  const response = await context.request.post("/api/auth/sign-up/email", {
    data: { name, email: uniqueEmail(name.toLowerCase()), password },
    headers: { origin: baseURL },
  });
  expect(response.status()).toBe(200);
  const { user } = (await response.json()) as { user: { id: string } };
  const page = await context.newPage();
  return { context, page, request: context.request, userId: user.id };
}

/** The headers every /s/ response carries (page, 404 page, files, continue), whatever it answers. */
export function expectShareHeaders(headers: Record<string, string>, what: string) {
  expect(headers["cache-control"], `${what}: Cache-Control`).toContain("no-store");
  expect(headers["x-robots-tag"], `${what}: X-Robots-Tag`).toBe("noindex, nofollow");
  expect(headers["referrer-policy"], `${what}: Referrer-Policy`).toBe("no-referrer");
}

/** What a person reads on an HTML page: its text without scripts, styles or tags, whitespace collapsed. */
export const visibleText = (html: string) =>
  html
    .replace(/<script\b[\s\S]*?<\/script>/gi, " ")
    .replace(/<style\b[\s\S]*?<\/style>/gi, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&amp;/g, "&")
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/\s+/g, " ")
    .trim();
