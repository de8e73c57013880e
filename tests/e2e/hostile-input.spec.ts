import { request as httpRequest } from "node:http";
import { expect, test } from "@playwright/test";
import { apiUser, chatBody, forgedAddressHeaders, password, uploadFile } from "./helpers";
import { uniqueEmail } from "../support/unique-email";
import { cookieHeader } from "../support/cookies";
import { pdfBombs } from "../support/files";
import { countRowsOf, snapshotUsers, withDb } from "./db";
import { startInstance } from "./instances";
import { randomToken, share, threadWithReply, tokenOf, visibleText } from "./share-links";
import { activateWorkspace, createWorkspace } from "./workspaces";
import { hostileMarkdown } from "../support/hostile-markdown";
import { strToU8, zipSync } from "fflate";
import { claudeConversation, exportJson, exportZip, simpleChatGpt } from "../support/export-fixtures";

type Bad = {
  name: string;
  method: string;
  path: string;
  body?: string | Uint8Array<ArrayBuffer>;
  contentType?: string | null;
  headers?: Record<string, string>;
};

const json = (value: unknown) => JSON.stringify(value);
const sqlAndHtml = ["' OR '1'='1", "1; DROP TABLE thread; --", "<script>alert(1)</script>", '" onmouseover="x', "%00"];
const unicode = ["\u0000", "a\u0000b", "\ud800", "x\udfffy", "\u202e\u202d"];
// Text no PostgreSQL column or person can use: NUL and lone surrogates (RTL marks are valid text).
const invalidText = unicode.slice(0, 4);

/** Builds the corpus: every entry is a request the API must refuse with a 4xx and the JSON error shape. */
function corpus(ownThread: string, othersThread: string, othersAttachment: string, ownWorkspace: string): Bad[] {
  const out: Bad[] = [];
  const add = (
    name: string,
    method: string,
    path: string,
    body?: string | Uint8Array<ArrayBuffer>,
    contentType: string | null = "application/json",
  ) => out.push({ name, method, path, body, contentType });

  const bodyRoutes: [string, string][] = [
    ["POST", "/api/threads"],
    ["PATCH", `/api/threads/${ownThread}`],
    ["POST", `/api/threads/${ownThread}/messages`],
    ["POST", "/api/chat"],
    // Tools: no shape of these is right for them (a tool, a decision, a token), nor a server, tool or call that exists.
    ["PUT", `/api/threads/${ownThread}/tools`],
    ["POST", `/api/threads/${ownThread}/tool-calls/call_hostile`],
    ["PUT", "/api/tool-connections/00000000-0000-4000-8000-000000000000"],
  ];
  const invalidJson = [
    "{",
    "[",
    "nul",
    '"unterminated',
    "{'single':'quotes'}",
    '{"a":1,}',
    "",
    " ",
    "\u0000",
    '{"title": "x"}}',
  ];
  const wrongShapes: unknown[] = [
    null,
    1,
    "string",
    [],
    true,
    { title: 1 },
    { title: true },
    { title: [] },
    { title: {} },
    { title: null },
    { title: "" },
    { title: "   " },
    { title: "x".repeat(10_000) },
    { title: "ok", extra: 1 },
    { status: "deleted" },
    { status: 1 },
    { status: null },
    { pinned: "true" },
    { pinned: 1 },
    { pinned: null },
    { pinned: true, status: "archived" },
    JSON.parse('{"__proto__": {"admin": true}}'),
    JSON.parse('{"constructor": {"prototype": {"admin": true}}}'),
    ...invalidText.map((u) => ({ title: u })),
    ...sqlAndHtml.map((s) => ({ title: "x", [s]: s })),
    { id: ownThread },
    { id: 123, messages: [] },
    { id: "", messages: [] },
    { id: ownThread, messages: [] },
    { id: ownThread, messages: "hello" },
    { id: ownThread, messages: [1] },
    { id: ownThread, messages: [{}] },
    { id: ownThread, messages: [{ id: "m", role: "robot", parts: [] }] },
    { id: ownThread, messages: [{ id: "m", role: "user", parts: "text" }] },
    { id: ownThread, messages: [{ id: "m", role: "user", parts: [{ type: "text" }] }] },
    { id: ownThread, messages: [{ id: "m", role: "user", parts: [{ type: "text", text: 5 }] }] },
    { id: ownThread, messages: [{ id: "", role: "user", parts: [{ type: "text", text: "x" }] }] },
    { id: ownThread, messages: [{ id: "m", role: "assistant", parts: [{ type: "text", text: "x" }] }] },
    {
      id: ownThread,
      trigger: "delete-everything",
      messages: [{ id: "m", role: "user", parts: [{ type: "text", text: "x" }] }],
    },
    { id: ownThread, messages: [{ id: "m", role: "user", parts: [{ type: "text", text: "x".repeat(40_000) }] }] },
    {
      id: ownThread,
      messages: Array.from({ length: 600 }, (_, i) => ({
        id: `m${i}`,
        role: "user",
        parts: [{ type: "text", text: "x" }],
      })),
    },
    ...invalidText.map((u) => ({
      id: ownThread,
      messages: [{ id: "m", role: "user", parts: [{ type: "text", text: u }] }],
    })),
    ...unicode.map((u) => ({
      id: ownThread,
      messages: [{ id: "m", role: "user", parts: [{ type: "text", text: u }] }],
      trigger: u,
    })),
    { id: "m", parentId: null, format: "other/v1", content: { role: "user", parts: [] } },
    { id: "m", parentId: 5, format: "ai-sdk/v6", content: { role: "user", parts: [] } },
    {
      id: "m",
      parentId: null,
      format: "ai-sdk/v6",
      content: { role: "user", parts: [], extra: { __proto__: 1 } },
      more: 1,
    },
    { id: "m\u0000", parentId: null, format: "ai-sdk/v6", content: { role: "user", parts: [] } },
    // The message tree: a parent must be an earlier message of the same thread; ids are ASCII.
    ...[
      ["loop", "loop"],
      ["m", "never-stored"],
      ["m", othersThread],
      ["m", "é"],
      ["ü", null],
      ["with space", null],
      ["x".repeat(101), null],
    ].map(([id, parentId]) => ({
      id,
      parentId,
      format: "ai-sdk/v6",
      content: { role: "user", parts: [{ type: "text", text: "x" }] },
    })),
    // One request's budget: each message once, and a reply id that is new and ASCII.
    {
      id: ownThread,
      messages: [
        { id: "d", role: "user", parts: [{ type: "text", text: "x" }] },
        { id: "d", role: "user", parts: [{ type: "text", text: "x" }] },
      ],
    },
    { id: ownThread, messages: [{ id: "m", role: "user", parts: [{ type: "text", text: "x" }] }], replyId: "m" },
    { id: ownThread, messages: [{ id: "m", role: "user", parts: [{ type: "text", text: "x" }] }], replyId: "réponse" },
    {
      id: ownThread,
      messages: [{ id: "m", role: "user", parts: [{ type: "text", text: "x" }] }],
      replyId: "a\r\nx-injected: 1",
    },
    { id: ownThread, messages: [{ id: "naïve", role: "user", parts: [{ type: "text", text: "x" }] }] },
    {
      id: ownThread,
      messages: [
        { id: "first", role: "user", parts: [{ type: "text", text: "x" }] },
        { id: "second", role: "user", parts: [{ type: "text", text: "x" }] },
      ],
    },
  ];
  for (const [method, path] of bodyRoutes) {
    for (const text of invalidJson) add(`invalid JSON ${json(text)}`, method, path, text);
    for (const shape of wrongShapes) {
      // A shape that is valid for this route is not hostile here; those are filtered by the server's answer below.
      add(`shape ${json(shape)?.slice(0, 60)}`, method, path, json(shape));
    }
    add("over the size limit", method, path, new Uint8Array(1_100_000).fill(97));
    add("over the size limit, valid JSON", method, path, json({ title: "x".repeat(1_100_000) }));
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", null]) {
      add(`content type ${type}`, method, path, json({ title: "fine" }), type);
    }
  }

  const badIds = [
    "1",
    "not-a-uuid",
    "00000000-0000-0000-0000-00000000000",
    "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz",
    "..%2F..%2Fetc%2Fpasswd",
    encodeURIComponent("' OR '1'='1"),
    encodeURIComponent("<img src=x onerror=alert(1)>"),
    "%00",
    encodeURIComponent("\u202e"),
    "x".repeat(500),
    othersThread,
    "00000000-0000-4000-8000-000000000000",
  ];
  for (const id of badIds) {
    add(`GET thread ${id.slice(0, 40)}`, "GET", `/api/threads/${id}`);
    add(`GET messages ${id.slice(0, 40)}`, "GET", `/api/threads/${id}/messages`);
    add(`PATCH ${id.slice(0, 40)}`, "PATCH", `/api/threads/${id}`, json({ title: "hijack" }));
    add(`pin ${id.slice(0, 40)}`, "PATCH", `/api/threads/${id}`, json({ pinned: true }));
    add(`DELETE ${id.slice(0, 40)}`, "DELETE", `/api/threads/${id}`);
    add(`title ${id.slice(0, 40)}`, "POST", `/api/threads/${id}/title`);
    add(
      `append ${id.slice(0, 40)}`,
      "POST",
      `/api/threads/${id}/messages`,
      json({ id: "m", parentId: null, format: "ai-sdk/v6", content: { role: "user", parts: [] } }),
    );
    add(`chat ${id.slice(0, 40)}`, "POST", "/api/chat", json(chatBody(decodeURIComponent(id), "hi")));
    add(`stream ${id.slice(0, 40)}`, "GET", `/api/threads/${id}/stream`);
    add(`stop ${id.slice(0, 40)}`, "POST", `/api/threads/${id}/stop`);
    add(`share ${id.slice(0, 40)}`, "PUT", `/api/threads/${id}/share`);
    add(`unshare ${id.slice(0, 40)}`, "DELETE", `/api/threads/${id}/share`);
    add(`copy ${id.slice(0, 40)}`, "POST", `/api/threads/${id}/copy`);
    add(`link ${id.slice(0, 40)}`, "GET", `/api/threads/${id}/link`);
    add(`share link ${id.slice(0, 40)}`, "PUT", `/api/threads/${id}/link`, json({ audience: "signed-in" }));
    add(`link audience ${id.slice(0, 40)}`, "PATCH", `/api/threads/${id}/link`, json({ audience: "signed-in" }));
    add(`delete link ${id.slice(0, 40)}`, "DELETE", `/api/threads/${id}/link`);
    add(`delete link by id ${id.slice(0, 40)}`, "DELETE", `/api/share-links/${id}`);
  }
  // Tools (MCP): a thread's tools, a call's answer and a person's own connections, for ids that name
  // nothing of the caller's (someone else's thread included) and bodies of the wrong shape.
  for (const id of badIds) {
    add(`thread tools ${id.slice(0, 40)}`, "GET", `/api/threads/${id}/tools`);
    add(
      `set thread tool ${id.slice(0, 40)}`,
      "PUT",
      `/api/threads/${id}/tools`,
      json({ serverId: "00000000-0000-4000-8000-000000000000", tool: "echo", enabled: true }),
    );
    add(`decide call ${id.slice(0, 40)}`, "POST", `/api/threads/${id}/tool-calls/call_1`, json({ decision: "run" }));
    add(
      `decide call id ${id.slice(0, 40)}`,
      "POST",
      `/api/threads/${ownThread}/tool-calls/${id}`,
      json({ decision: "run" }),
    );
    add(`save token ${id.slice(0, 40)}`, "PUT", `/api/tool-connections/${id}`, json({ token: "t" }));
    add(`disconnect ${id.slice(0, 40)}`, "DELETE", `/api/tool-connections/${id}`);
    add(`oauth start ${id.slice(0, 40)}`, "POST", `/api/tool-connections/${id}/oauth`);
  }
  for (const callId of ["x".repeat(300), "a b", encodeURIComponent("call\r\nx-injected: 1"), "%2e%2e", "call%00"])
    add(
      `decide call id ${callId.slice(0, 30)}`,
      "POST",
      `/api/threads/${ownThread}/tool-calls/${callId}`,
      json({ decision: "run" }),
    );
  for (const shape of [
    {},
    { decision: "run" },
    { serverId: "not-a-uuid", tool: "echo", enabled: true },
    { serverId: "00000000-0000-4000-8000-000000000000", tool: "", enabled: true },
    { serverId: "00000000-0000-4000-8000-000000000000", tool: "x".repeat(201), enabled: true },
    { serverId: "00000000-0000-4000-8000-000000000000", tool: "echo" },
    { serverId: "00000000-0000-4000-8000-000000000000", tool: "echo", enabled: "yes" },
    { serverId: "00000000-0000-4000-8000-000000000000", tool: "echo", enabled: true, userId: "someone" },
    { serverId: "00000000-0000-4000-8000-000000000000", tool: "echo", enabled: true },
    { serverId: "00000000-0000-4000-8000-000000000000", tool: "echo", alwaysAllow: true },
  ])
    add(`thread tool ${json(shape).slice(0, 60)}`, "PUT", `/api/threads/${ownThread}/tools`, json(shape));
  for (const shape of [
    {},
    { decision: "allow" },
    { decision: "RUN" },
    { decision: null },
    { decision: "run", alwaysAllow: "yes" },
    { decision: "run", arguments: { path: "/etc/passwd" } },
    { decision: "run", result: "forged result" },
    { decision: "run" },
    { decision: "deny", alwaysAllow: true },
  ])
    add(`decision ${json(shape).slice(0, 60)}`, "POST", `/api/threads/${ownThread}/tool-calls/call_1`, json(shape));
  for (const shape of [
    {},
    { token: "" },
    { token: " " },
    { token: "a b" },
    { token: "line\r\nX-Injected: 1" },
    { token: "x".repeat(4097) },
    { token: 1 },
    { token: null },
    { token: ["t"] },
    { token: "t", userId: "someone" },
    { token: "t", serverId: "00000000-0000-4000-8000-000000000001" },
    ...invalidText.map((u) => ({ token: u })),
    { token: "valid-token-but-no-such-server" },
  ])
    add(
      `token ${json(shape).slice(0, 60)}`,
      "PUT",
      "/api/tool-connections/00000000-0000-4000-8000-000000000000",
      json(shape),
    );
  add("someone else's thread's tools", "GET", `/api/threads/${othersThread}/tools`);
  add(
    "answer a call in someone else's thread",
    "POST",
    `/api/threads/${othersThread}/tool-calls/call_1`,
    json({ decision: "run" }),
  );

  // A thread's link: PUT takes no body or `{ audience? }`, PATCH `{ audience }`, nothing more. The
  // caller's own thread here has no messages (nothing to share: 400) and no link (PATCH: 404).
  for (const [method, shapes] of [
    [
      "PUT",
      [
        null,
        [],
        "anyone",
        { audience: "everyone" },
        { audience: "Anyone" },
        { audience: "public" },
        { audience: null },
        { audience: 1 },
        { audience: ["anyone"] },
        { audience: "signed-in", token: "chosen-by-me" },
        { audience: "signed-in", threadId: othersThread },
        { audience: "signed-in", userId: "someone" },
        { views: 0 },
        JSON.parse('{"__proto__": {"audience": "anyone"}}'),
        ...sqlAndHtml.map((audience) => ({ audience })),
        ...invalidText.map((audience) => ({ audience })),
        {},
        { audience: "signed-in" },
        { audience: "workspace" },
        { audience: "anyone" },
      ],
    ],
    [
      "PATCH",
      [
        null,
        [],
        {},
        { audience: "everyone" },
        { audience: null },
        { audience: "signed-in", extra: 1 },
        { audience: "signed-in", token: "chosen-by-me" },
        ...sqlAndHtml.map((audience) => ({ audience })),
        { audience: "signed-in" },
        { audience: "workspace" },
        { audience: "anyone" },
      ],
    ],
  ] as const) {
    const path = `/api/threads/${ownThread}/link`;
    for (const text of ["{", "", "\u0000", '{"audience": "signed-in"}}'])
      add(`link body ${json(text)}`, method, path, text);
    for (const shape of shapes) add(`link shape ${json(shape)?.slice(0, 60)}`, method, path, json(shape));
    add("link body over the size limit", method, path, new Uint8Array(1_100_000).fill(97));
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"])
      add(`link content type ${type}`, method, path, json({ audience: "signed-in" }), type);
  }
  add("link of someone else's thread, with a body", "PUT", `/api/threads/${othersThread}/link`, json({}));
  // Sharing and copying read no body: whatever is sent, someone else's thread is missing, and a
  // personal thread (the caller's own here) has nobody to share with (400).
  for (const [method, path] of [
    ["PUT", `/api/threads/${ownThread}/share`],
    ["DELETE", `/api/threads/${ownThread}/share`],
    ["PUT", `/api/threads/${othersThread}/share`],
    ["POST", `/api/threads/${othersThread}/copy`],
  ] as const) {
    for (const text of [
      "{",
      json({ shared: false, userId: othersThread }),
      json(JSON.parse('{"__proto__": {"own": true}}')),
    ])
      add(`sharing body ${text.slice(0, 30)}`, method, path, text);
    add("sharing body over the size limit", method, path, new Uint8Array(1_100_000).fill(97));
  }
  // Workspace ids are better-auth's strings: anything else names no workspace (404), as does one the caller is not in.
  for (const id of [...badIds.filter((b) => b !== othersThread), "a".repeat(65), "a.b", "a%20b"]) {
    add(`workspace usage ${id.slice(0, 40)}`, "GET", `/api/workspaces/${id}/usage`);
    add(`workspace audit ${id.slice(0, 40)}`, "GET", `/api/workspaces/${id}/audit`);
  }
  for (const q of [
    "after=garbage",
    "after=",
    `after=${"A".repeat(301)}`,
    `after=${Buffer.from('["yesterday","x"]').toString("base64url")}`,
    "after=a&after=b",
    "limit=5",
    "action=sign_in",
  ])
    add(`workspace audit ?${q}`, "GET", `/api/workspaces/${ownWorkspace}/audit?${q}`);
  for (const id of [...badIds, othersAttachment]) {
    add(`GET attachment ${id.slice(0, 40)}`, "GET", `/api/attachments/${id}`);
    add(`DELETE attachment ${id.slice(0, 40)}`, "DELETE", `/api/attachments/${id}`);
    // A file part must name an upload of the caller's, by its URL; anything else is refused before the model.
    for (const url of [
      `/api/attachments/${id}`,
      `https://example.com/${id}`,
      `file:///etc/passwd`,
      `data:text/plain;base64,${Buffer.from(id).toString("base64")}`,
    ]) {
      const body = chatBody(ownThread, "look at this");
      body.messages[0].parts.push({ type: "file", mediaType: "text/plain", url } as never);
      add(`chat file part ${url.slice(0, 50)}`, "POST", "/api/chat", json(body));
    }
  }
  // Uploads: multipart only, one well-formed file part in the field "file".
  const boundary = "hostile-boundary";
  const part = (headers: string, content: string) => `--${boundary}\r\n${headers}\r\n\r\n${content}\r\n`;
  const multipart = `multipart/form-data; boundary=${boundary}`;
  const filePart = (name: string, type: string, bytes: Buffer) =>
    Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: ${type}\r\n\r\n`,
      ),
      bytes,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
  const uploads: [string, string | Uint8Array<ArrayBuffer>, string | null][] = [
    ["JSON body", json({ file: "aGVsbG8=" }), "application/json"],
    ["no content type", "hello", null],
    ["form-urlencoded", "file=hello", "application/x-www-form-urlencoded"],
    [
      "multipart without a boundary",
      part('Content-Disposition: form-data; name="file"; filename="a.txt"', "a"),
      "multipart/form-data",
    ],
    [
      "truncated multipart",
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhalf`,
      multipart,
    ],
    ["empty multipart", `--${boundary}--\r\n`, multipart],
    [
      "a field, not a file",
      part('Content-Disposition: form-data; name="file"', "just text") + `--${boundary}--\r\n`,
      multipart,
    ],
    [
      "a file in another field",
      part('Content-Disposition: form-data; name="upload"; filename="a.txt"', "a") + `--${boundary}--\r\n`,
      multipart,
    ],
    [
      "an empty file",
      part('Content-Disposition: form-data; name="file"; filename="empty.txt"', "") + `--${boundary}--\r\n`,
      multipart,
    ],
    [
      "a binary of no accepted type",
      part(
        'Content-Disposition: form-data; name="file"; filename="x.exe"\r\nContent-Type: image/png',
        "MZ\u0000\u0001\u0002",
      ) + `--${boundary}--\r\n`,
      multipart,
    ],
    ["garbage", new Uint8Array(2048).fill(0xff), multipart],
    ["over the size limit", new Uint8Array(11 * 1024 * 1024).fill(97), multipart],
    // Read in a worker with a memory cap (lib/attachments/pdf-text.ts): 422 pdf_too_complex, nothing stored.
    [
      "a PDF whose stream inflates to 200 MB",
      new Uint8Array(filePart("bomb.pdf", "application/pdf", pdfBombs.buffers())),
      multipart,
    ],
  ];
  for (const [name, body, type] of uploads) add(`upload: ${name}`, "POST", "/api/attachments", body, type);

  const queries = [
    "status=deleted",
    "status=",
    "status=regular&status=archived",
    "limit=0",
    "limit=-1",
    "limit=101",
    "limit=abc",
    "limit=1.5",
    "after=garbage",
    "after=",
    `after=${encodeURIComponent("' OR 1=1 --")}`,
    `after=${Buffer.from('["2020-01-01","x"]').toString("base64url")}`,
    "unknown=1",
    `status=${encodeURIComponent("<script>")}`,
    `after=${"A".repeat(300)}`,
    "pinned=yes",
    "pinned=false",
    "pinned=",
    "pinned=true&pinned=true",
    "pinned=true&status=archived",
    "pinned=true&limit=101",
    `pinned=true&after=${"A".repeat(20)}`,
  ];
  for (const q of queries) add(`list ?${q}`, "GET", `/api/threads?${q}`);
  // The shared list takes no status: every one of these is refused there too.
  for (const q of queries) add(`shared list ?${q}`, "GET", `/api/threads/shared?${q}`);
  add("shared list ?status=regular", "GET", "/api/threads/shared?status=regular");
  // The metrics token is not the session: a signed-in person without it is refused, whatever they send.
  for (const auth of [
    "",
    "Bearer",
    "Bearer ",
    "Bearer wrong",
    "Basic ZTJlOmUyZQ==",
    "Bearer e2e-metrics-token2",
    `Bearer ${"x".repeat(5000)}`,
  ]) {
    out.push({
      name: `metrics with ${JSON.stringify(auth.slice(0, 30))}`,
      method: "GET",
      path: "/api/metrics",
      contentType: null,
      headers: { authorization: auth },
    });
  }

  // better-auth endpoints the app does not use, and odd spellings of ones it does: 404 in the app's shape.
  for (const [method, path] of [
    ["POST", "/api/auth/admin/set-user-password"],
    ["POST", "/api/auth/admin/update-user"],
    ["POST", "/api/auth/admin/create-user"],
    ["POST", "/api/auth/admin/list-user-sessions"],
    ["POST", "/api/auth/admin/impersonate-user"],
    ["GET", "/api/auth/admin/list-users"],
    ["GET", "/api/auth/list-sessions"],
    ["GET", "/api/auth/list-accounts"],
    ["POST", "/api/auth/get-session"],
    ["GET", "/api/auth/ok"],
    ["POST", "/api/auth/change-email"],
    ["POST", "/api/auth/two-factor/get-totp-uri"],
    ["GET", "/api/auth/passkey/list-user-passkeys"],
    ["GET", "/api/auth/sign-in/email"],
    ["POST", "/api/auth/Sign-In/Email"],
    ["POST", "/api/auth/admin/set-user-password/"],
    ["POST", "/api/auth/sign%2Din/email"],
    ["POST", "/api/auth/admin%2Fset-user-password"],
    ["GET", "/api/auth/reset-password/a%2Fb"],
    ["GET", "/api/auth"],
    ["POST", "/api/auth/"],
  ] as const) {
    add(`not an answered auth endpoint: ${method} ${path}`, method, path, method === "GET" ? undefined : json({}));
  }

  for (const [method, path] of [
    ["PUT", "/api/threads"],
    ["DELETE", "/api/threads"],
    ["PATCH", "/api/threads"],
    ["PUT", `/api/threads/${ownThread}`],
    ["POST", `/api/threads/${ownThread}`],
    ["PUT", `/api/threads/${ownThread}/messages`],
    ["DELETE", `/api/threads/${ownThread}/messages`],
    ["GET", `/api/threads/${ownThread}/title`],
    ["DELETE", `/api/threads/${ownThread}/title`],
    ["GET", "/api/chat"],
    ["PUT", "/api/chat"],
    ["DELETE", "/api/chat"],
    ["POST", `/api/threads/${ownThread}/stream`],
    ["DELETE", `/api/threads/${ownThread}/stream`],
    ["GET", `/api/threads/${ownThread}/stop`],
    ["DELETE", `/api/threads/${ownThread}/stop`],
    ["GET", `/api/threads/${ownThread}/share`],
    ["POST", `/api/threads/${ownThread}/share`],
    ["PATCH", `/api/threads/${ownThread}/share`],
    ["GET", `/api/threads/${ownThread}/copy`],
    ["PUT", `/api/threads/${ownThread}/copy`],
    ["DELETE", `/api/threads/${ownThread}/copy`],
    ["POST", "/api/threads/shared"],
    ["PUT", "/api/threads/shared"],
    ["DELETE", "/api/threads/shared"],
    ["POST", `/api/threads/${ownThread}/link`],
    ["POST", "/api/share-links"],
    ["PUT", "/api/share-links"],
    ["DELETE", "/api/share-links"],
    ["GET", `/api/share-links/${othersAttachment}`],
    ["PATCH", `/api/share-links/${othersAttachment}`],
    ["POST", `/api/share-links/${othersAttachment}`],
    ["POST", "/api/health"],
    ["DELETE", "/api/ready"],
    ["POST", "/api/metrics"],
    ["PUT", "/api/metrics"],
    ["GET", "/api/attachments"],
    ["PUT", "/api/attachments"],
    ["DELETE", "/api/attachments"],
    ["POST", `/api/attachments/${othersAttachment}`],
    ["PUT", `/api/attachments/${othersAttachment}`],
    ["PATCH", `/api/attachments/${othersAttachment}`],
    ["POST", `/api/workspaces/${ownWorkspace}/usage`],
    ["DELETE", `/api/workspaces/${ownWorkspace}/usage`],
    ["PUT", `/api/workspaces/${ownWorkspace}/audit`],
    ["DELETE", `/api/workspaces/${ownWorkspace}/audit`],
    ["POST", `/api/threads/${ownThread}/tools`],
    ["DELETE", `/api/threads/${ownThread}/tools`],
    ["PATCH", `/api/threads/${ownThread}/tools`],
    ["GET", `/api/threads/${ownThread}/tool-calls/call_1`],
    ["PUT", `/api/threads/${ownThread}/tool-calls/call_1`],
    ["DELETE", `/api/threads/${ownThread}/tool-calls/call_1`],
    ["POST", "/api/tool-connections"],
    ["PUT", "/api/tool-connections"],
    ["DELETE", "/api/tool-connections"],
    ["GET", "/api/tool-connections/00000000-0000-4000-8000-000000000000"],
    ["POST", "/api/tool-connections/00000000-0000-4000-8000-000000000000"],
    ["GET", "/api/tool-connections/00000000-0000-4000-8000-000000000000/oauth"],
    ["DELETE", "/api/tool-connections/00000000-0000-4000-8000-000000000000/oauth"],
    ["POST", "/api/tool-connections/oauth/callback"],
    ["DELETE", "/api/tool-connections/oauth/callback"],
  ] as const) {
    add(`wrong method ${method} ${path}`, method, path, method === "GET" ? undefined : json({}));
  }
  return out;
}

/** Tool rows (credentials, thread switches, waiting calls) of these people: none may come from a refused request. */
const toolRowsOf = (userIds: string[]) =>
  withDb(async (client) => {
    const count = async (table: string) =>
      (await client.query(`select count(*)::int as n from ${table} where user_id = any($1)`, [userIds])).rows[0]
        .n as number;
    return {
      credentials: await count("mcp_credential"),
      threadTools: await count("thread_tool"),
      toolCalls: await count("tool_call"),
    };
  });

test("a corpus of hostile requests gets 4xx JSON errors, no 5xx, and changes nothing", async ({
  playwright,
  baseURL,
}) => {
  test.setTimeout(180_000);
  const me = await apiUser(playwright, baseURL!, "Hostile");
  const them = await apiUser(playwright, baseURL!, "Victim");
  const mine = await (await me.request.post("/api/threads", { data: { title: "mine" } })).json();
  const theirs = await (await them.request.post("/api/threads", { data: { title: "theirs" } })).json();
  const theirFile = await (
    await them.request.post("/api/attachments", {
      multipart: { file: { name: "theirs.txt", mimeType: "text/plain", buffer: Buffer.from("their file") } },
    })
  ).json();
  const cookie = cookieHeader(await me.request.storageState());

  // A workspace of mine, written as better-auth's plugin would: its audit route reads my query.
  const ownWorkspace = crypto.randomUUID().replaceAll("-", "");
  await withDb(async (client) => {
    await client.query(`insert into workspace (id, name, slug) values ($1, 'Hostile space', $2)`, [
      ownWorkspace,
      `hostile-${ownWorkspace}`,
    ]);
    await client.query(`insert into workspace_member (id, workspace_id, user_id, role) values ($1, $2, $3, 'owner')`, [
      crypto.randomUUID(),
      ownWorkspace,
      me.userId,
    ]);
  });
  const requests = corpus(mine.id, theirs.id, theirFile.id, ownWorkspace);
  const before = await countRowsOf([me.userId, them.userId]);
  const { failures, statuses } = await refusedAll(baseURL!, cookie, requests);
  console.log(`hostile corpus: ${requests.length} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
  expect(requests.length).toBeGreaterThanOrEqual(300);
  expect(failures).toEqual([]);
  expect((await me.request.get("/api/threads")).status()).toBe(200);
  expect(await countRowsOf([me.userId, them.userId])).toEqual(before);
  expect(await toolRowsOf([me.userId, them.userId])).toEqual({ credentials: 0, threadTools: 0, toolCalls: 0 });
  expect(await (await them.request.get(`/api/threads/${theirs.id}`)).json()).toMatchObject({
    title: "theirs",
    pinnedAt: null,
  });
  expect(await (await them.request.get(`/api/attachments/${theirFile.id}`)).text()).toBe("their file");
});

/** Admin routes, sent by an admin (a user is refused before any of this is read). */
function adminCorpus(target: string, lastAdmin: string, ownThread: string, server: string): Bad[] {
  const out: Bad[] = [];
  const add = (
    name: string,
    method: string,
    path: string,
    body?: string | Uint8Array<ArrayBuffer>,
    contentType: string | null = "application/json",
  ) => out.push({ name, method, path, body, contentType });
  const invalidJson = ["{", "[", "", "\u0000", '{"mode": "open"}}'];
  const bodies: [string, string, unknown[]][] = [
    [
      "PATCH",
      `/api/admin/users/${target}`,
      [
        null,
        [],
        {},
        { role: "owner" },
        { role: "" },
        { role: null },
        { role: 1 },
        { tokenQuota: -1 },
        { tokenQuota: 1.5 },
        { tokenQuota: "100" },
        { tokenQuota: 1e16 },
        { tokenQuota: Number.MAX_SAFE_INTEGER + 2 },
        { role: "user", extra: 1 },
        { name: "renamed" },
        { email: "taken@example.com" },
        { banned: false },
        JSON.parse('{"__proto__": {"role": "admin"}}'),
        ...sqlAndHtml.map((s) => ({ role: s })),
      ],
    ],
    [
      "POST",
      `/api/admin/users/${target}/ban`,
      [
        null,
        [],
        "ban",
        { reason: 5 },
        { reason: "x".repeat(501) },
        { expiresAt: "yesterday" },
        { expiresAt: "2001-01-01T00:00:00Z" },
        { expiresAt: 1e12 },
        { expiresAt: "2999-01-01" },
        { reason: "ok", userId: lastAdmin },
        ...invalidText.map((u) => ({ reason: u })),
      ],
    ],
    [
      "PUT",
      "/api/admin/signup-policy",
      [
        null,
        [],
        {},
        { mode: "anyone" },
        { mode: "OPEN" },
        { mode: 1 },
        { mode: "open", domains: ["evil.com"] },
        ...sqlAndHtml.map((s) => ({ mode: s })),
      ],
    ],
    [
      "PUT",
      "/api/admin/workspace-creation",
      [
        null,
        [],
        {},
        { mode: "anyone" },
        { mode: "Everyone" },
        { mode: "ADMINS" },
        { mode: "" },
        { mode: 1 },
        { mode: true },
        { mode: ["admins"] },
        { mode: "admins", extra: 1 },
        { mode: "everyone", admins: [] },
        JSON.parse('{"__proto__": {"mode": "admins"}}'),
        ...invalidText.map((u) => ({ mode: u })),
        ...sqlAndHtml.map((s) => ({ mode: s })),
      ],
    ],
    [
      "PUT",
      "/api/admin/share-link-policy",
      [
        null,
        [],
        {},
        { mode: "on" },
        { mode: "Anyone" },
        { mode: "public" },
        { mode: "workspace" },
        { mode: "" },
        { mode: 1 },
        { mode: true },
        { mode: ["off"] },
        { mode: "off", extra: 1 },
        { mode: "anyone", audiences: ["anyone"] },
        JSON.parse('{"__proto__": {"mode": "anyone"}}'),
        ...invalidText.map((u) => ({ mode: u })),
        ...sqlAndHtml.map((s) => ({ mode: s })),
      ],
    ],
    [
      "POST",
      "/api/admin/invitations",
      [
        null,
        [],
        { maxUses: 0 },
        { maxUses: 1001 },
        { maxUses: 1.5 },
        { maxUses: "1" },
        { expiresInDays: 0 },
        { expiresInDays: 366 },
        { expiresInDays: -1 },
        { email: "not an email" },
        { email: "a@b.c".repeat(100) },
        { email: 5 },
        { token: "chosen-by-me" },
        { uses: 5 },
        ...sqlAndHtml.map((s) => ({ email: s })),
      ],
    ],
  ];
  for (const [method, path, shapes] of bodies) {
    for (const text of invalidJson) add(`invalid JSON ${json(text)}`, method, path, text);
    for (const shape of shapes) add(`shape ${json(shape)?.slice(0, 60)}`, method, path, json(shape));
    add("over the size limit", method, path, new Uint8Array(1_100_000).fill(97));
    for (const type of ["text/plain", "application/x-www-form-urlencoded", null])
      add(`content type ${type}`, method, path, json({ mode: "open" }), type);
  }
  // MCP servers: addresses that reach inside (MCP_ALLOWED_HOSTS is empty on this instance), schemes
  // that are not HTTP(S), user info, over-long URLs, stdio in any form, and settings that do not fit.
  const inward = [
    "http://127.0.0.1/mcp",
    "https://127.0.0.1/mcp",
    "https://127.1/mcp",
    "https://2130706433/mcp",
    "https://0x7f000001/mcp",
    "https://169.254.169.254/latest/meta-data/",
    "http://169.254.169.254/latest/meta-data/",
    "https://10.0.0.1/mcp",
    "https://172.16.0.1/mcp",
    "https://192.168.1.1/mcp",
    "https://100.64.0.1/mcp",
    "https://0.0.0.0/mcp",
    "https://[::1]/mcp",
    "https://[::]/mcp",
    "https://[::ffff:127.0.0.1]/mcp",
    "https://[::ffff:a9fe:a9fe]/mcp",
    "https://[fe80::1]/mcp",
    "https://[fd00::1]/mcp",
    "http://localhost/mcp",
    "https://localhost/mcp",
    "https://localhost:3000/mcp",
    "http://example.com/mcp",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "data:text/plain,hello",
    "ftp://example.com/mcp",
    "gopher://127.0.0.1:6379/_INFO",
    "ws://example.com/mcp",
    "https://user@example.com/mcp",
    "https://user:password@example.com/mcp",
    "https://example.com@127.0.0.1/mcp",
    "https://example.com/mcp#fragment",
    `https://example.com/${"a".repeat(2100)}`,
    "not a url",
    "//example.com/mcp",
    "",
    "npx -y @modelcontextprotocol/server-filesystem /",
  ];
  inward.forEach((url, i) => {
    add(
      `connect ${url.slice(0, 50)}`,
      "POST",
      "/api/admin/mcp-servers",
      json({ name: `Inward ${i}`, url, auth: "none" }),
    );
    add(`move to ${url.slice(0, 50)}`, "PATCH", `/api/admin/mcp-servers/${server}`, json({ url }));
  });
  const valid = { name: "Hostile server", url: "https://mcp-hostile.invalid/mcp", auth: "none" };
  const serverBodies: unknown[] = [
    null,
    [],
    "https://example.com/mcp",
    {},
    { url: valid.url, auth: "none" },
    { name: "x", auth: "none" },
    { name: "x", url: valid.url },
    { ...valid, name: "" },
    { ...valid, name: "   " },
    { ...valid, name: "x".repeat(81) },
    { ...valid, name: 5 },
    { ...valid, url: 5 },
    { ...valid, url: null },
    { ...valid, description: "x".repeat(501) },
    { ...valid, auth: "stdio" },
    { ...valid, auth: "oauth" },
    { ...valid, transport: "stdio" },
    { ...valid, command: "rm", args: ["-rf", "/"] },
    { ...valid, type: "stdio", command: "/bin/sh" },
    { ...valid, auth: "shared" },
    { ...valid, auth: "shared", sharedToken: "" },
    { ...valid, auth: "shared", sharedToken: "a\r\nX-Injected: 1" },
    { ...valid, auth: "shared", sharedToken: "x".repeat(4097) },
    { ...valid, auth: "none", sharedToken: "unused" },
    { ...valid, auth: "shared", sharedToken: "t", identityHeader: "Authorization" },
    { ...valid, auth: "shared", sharedToken: "t", identityHeader: "cookie" },
    { ...valid, auth: "shared", sharedToken: "t", identityHeader: "Host" },
    { ...valid, auth: "shared", sharedToken: "t", identityHeader: "Content-Type" },
    { ...valid, auth: "shared", sharedToken: "t", identityHeader: "Mcp-Session-Id" },
    { ...valid, auth: "shared", sharedToken: "t", identityHeader: "X Person" },
    { ...valid, auth: "shared", sharedToken: "t", identityHeader: "X-Person\r\nX-Injected" },
    { ...valid, auth: "shared", sharedToken: "t", identityHeader: "x".repeat(65) },
    { ...valid, auth: "none", oauthClientId: "client" },
    { ...valid, auth: "per_person", oauthClientSecret: "secret-without-id" },
    { ...valid, auth: "per_person", oauthClientId: "" },
    { ...valid, audience: "public" },
    { ...valid, audience: "workspaces" },
    { ...valid, audience: "workspaces", workspaceIds: [] },
    { ...valid, audience: "workspaces", workspaceIds: ["../admin"] },
    { ...valid, audience: "workspaces", workspaceIds: ["a", "a"] },
    { ...valid, audience: "workspaces", workspaceIds: Array.from({ length: 201 }, (_, i) => `w${i}`) },
    { ...valid, audience: "workspaces", workspaceIds: ["no-such-workspace"] },
    { ...valid, audience: "everyone", workspaceIds: ["w1"] },
    { ...valid, enabled: false },
    { ...valid, status: "ok" },
    { ...valid, tools: [{ name: "x", offered: true }] },
    { ...valid, id: "00000000-0000-4000-8000-000000000000" },
    { ...valid, createdBy: "someone" },
    JSON.parse('{"__proto__": {"auth": "none"}, "name": "x"}'),
    ...invalidText.map((u) => ({ ...valid, name: u })),
    { ...valid, name: "\u202eevil" },
    { ...valid, name: "tab\there" },
    ...sqlAndHtml.map((s) => ({ ...valid, [s]: s })),
  ];
  const patchBodies: unknown[] = [
    null,
    [],
    {},
    { enabled: "yes" },
    { enabled: null },
    { name: "" },
    { name: "x".repeat(81) },
    { auth: "stdio" },
    { command: "/bin/sh" },
    { status: "ok" },
    { id: "00000000-0000-4000-8000-000000000000" },
    { sharedToken: "a\r\nb" },
    { identityHeader: "Authorization" },
    { tools: "all" },
    { tools: [{}] },
    { tools: [{ name: "", offered: true }] },
    { tools: [{ name: "x".repeat(201), offered: true }] },
    { tools: [{ name: "echo", policy: "sometimes" }] },
    { tools: [{ name: "echo", offered: "yes" }] },
    { tools: [{ name: "echo", inputSchema: {} }] },
    {
      tools: [
        { name: "echo", offered: true },
        { name: "echo", offered: false },
      ],
    },
    { tools: Array.from({ length: 201 }, (_, i) => ({ name: `t${i}`, offered: true })) },
    { audience: "workspaces", workspaceIds: ["../admin"] },
    ...invalidText.map((u) => ({ description: u })),
  ];
  for (const [method, path, shapes] of [
    ["POST", "/api/admin/mcp-servers", serverBodies],
    ["PATCH", `/api/admin/mcp-servers/${server}`, patchBodies],
  ] as const) {
    for (const text of invalidJson) add(`invalid JSON ${json(text)}`, method, path, text);
    for (const shape of shapes) add(`shape ${json(shape)?.slice(0, 60)}`, method, path, json(shape));
    add("over the size limit", method, path, new Uint8Array(1_100_000).fill(97));
    add("over the size limit, valid JSON", method, path, json({ ...valid, description: "x".repeat(1_100_000) }));
    for (const type of ["text/plain", "application/x-www-form-urlencoded", null])
      add(`content type ${type}`, method, path, json(valid), type);
  }
  const badIds = [
    "x".repeat(500),
    encodeURIComponent("' OR '1'='1"),
    "%00",
    encodeURIComponent("<script>"),
    "..%2F..",
    "00000000-0000-4000-8000-000000000000",
    ownThread,
  ];
  for (const id of badIds) {
    add(`get user ${id.slice(0, 30)}`, "GET", `/api/admin/users/${id}`);
    add(`patch user ${id.slice(0, 30)}`, "PATCH", `/api/admin/users/${id}`, json({ role: "admin" }));
    add(`delete user ${id.slice(0, 30)}`, "DELETE", `/api/admin/users/${id}`);
    add(`approve ${id.slice(0, 30)}`, "POST", `/api/admin/users/${id}/approve`);
    add(`ban ${id.slice(0, 30)}`, "POST", `/api/admin/users/${id}/ban`, json({}));
    add(`unban ${id.slice(0, 30)}`, "DELETE", `/api/admin/users/${id}/ban`);
    add(`revoke ${id.slice(0, 30)}`, "DELETE", `/api/admin/users/${id}/sessions`);
    add(`reset two-factor ${id.slice(0, 30)}`, "DELETE", `/api/admin/users/${id}/two-factor`);
    add(`password reset ${id.slice(0, 30)}`, "POST", `/api/admin/users/${id}/password-reset`);
    add(`revoke invitation ${id.slice(0, 30)}`, "DELETE", `/api/admin/invitations/${id}`);
    add(`delete share link ${id.slice(0, 30)}`, "DELETE", `/api/admin/share-links/${id}`);
    add(`patch server ${id.slice(0, 30)}`, "PATCH", `/api/admin/mcp-servers/${id}`, json({ enabled: false }));
    add(`delete server ${id.slice(0, 30)}`, "DELETE", `/api/admin/mcp-servers/${id}`);
    add(`refresh server ${id.slice(0, 30)}`, "POST", `/api/admin/mcp-servers/${id}/refresh`);
  }
  // Finding a reported link: a user id or a link, one at a time, of a sane length.
  for (const q of [
    "link=",
    "link=%20%20",
    `link=${"x".repeat(3000)}`,
    "userId=a%20b",
    `userId=${"x".repeat(65)}`,
    "userId=%00",
    `userId=${target}&link=x`,
    "link=a&link=b",
    "unknown=1",
  ])
    add(`share links ?${q}`, "GET", `/api/admin/share-links?${q}`);
  // The last admin keeps the role, stays unbanned and cannot be deleted; an active account is not "approved" again.
  add("demote the last admin", "PATCH", `/api/admin/users/${lastAdmin}`, json({ role: "user" }));
  add("ban the last admin", "POST", `/api/admin/users/${lastAdmin}/ban`, json({ reason: "coup" }));
  add("delete the last admin", "DELETE", `/api/admin/users/${lastAdmin}`);
  add("approve an active account", "POST", `/api/admin/users/${target}/approve`);
  for (const q of [
    "limit=0",
    "limit=101",
    "limit=x",
    "after=garbage",
    `after=${"A".repeat(301)}`,
    "q=%00",
    "unknown=1",
    "q=a&q=b",
  ])
    add(`users ?${q}`, "GET", `/api/admin/users?${q}`);
  for (const q of [
    "action=drop_tables",
    "since=yesterday",
    "until=31-31-2026",
    "after=garbage",
    "actor=%00",
    "limit=5",
    "action=sign_in&action=sign_up",
  ]) {
    add(`audit ?${q}`, "GET", `/api/admin/audit?${q}`);
  }
  for (const [method, path] of [
    ["POST", "/api/admin/users"],
    ["DELETE", "/api/admin/users"],
    ["PUT", `/api/admin/users/${target}`],
    ["GET", `/api/admin/users/${target}/ban`],
    ["GET", `/api/admin/users/${target}/approve`],
    ["POST", `/api/admin/users/${target}/sessions`],
    ["GET", `/api/admin/users/${target}/two-factor`],
    ["DELETE", "/api/admin/signup-policy"],
    ["DELETE", "/api/admin/workspace-creation"],
    ["POST", "/api/admin/workspace-creation"],
    ["PATCH", "/api/admin/workspace-creation"],
    ["POST", "/api/admin/workspaces"],
    ["DELETE", "/api/admin/workspaces"],
    ["GET", `/api/admin/users/${target}/password-reset`],
    ["DELETE", `/api/admin/users/${target}/password-reset`],
    ["DELETE", "/api/admin/invitations"],
    ["GET", "/api/admin/invitations/00000000-0000-4000-8000-000000000000"],
    ["POST", "/api/admin/audit"],
    ["POST", "/api/admin/share-links"],
    ["DELETE", "/api/admin/share-links"],
    ["GET", "/api/admin/share-links/00000000-0000-4000-8000-000000000000"],
    ["POST", "/api/admin/share-link-policy"],
    ["DELETE", "/api/admin/share-link-policy"],
    ["PUT", "/api/admin/mcp-servers"],
    ["DELETE", "/api/admin/mcp-servers"],
    ["PATCH", "/api/admin/mcp-servers"],
    ["GET", `/api/admin/mcp-servers/${server}`],
    ["PUT", `/api/admin/mcp-servers/${server}`],
    ["POST", `/api/admin/mcp-servers/${server}`],
    ["GET", `/api/admin/mcp-servers/${server}/refresh`],
    ["DELETE", `/api/admin/mcp-servers/${server}/refresh`],
  ] as const) {
    add(`wrong method ${method} ${path}`, method, path, method === "GET" ? undefined : json({}));
  }
  return out;
}

/** Sends each request with `cookie`; returns what was not a 4xx with the JSON error shape. */
async function refusedAll(baseURL: string, cookie: string, requests: Bad[]) {
  const failures: string[] = [];
  const statuses = new Map<number, number>();
  const answers: { name: string; status: number }[] = [];
  for (const bad of requests) {
    const headers: Record<string, string> = { cookie, origin: baseURL, ...bad.headers };
    if (bad.contentType) headers["content-type"] = bad.contentType;
    const response = await fetch(`${baseURL}${bad.path}`, { method: bad.method, headers, body: bad.body });
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    answers.push({ name: bad.name, status: response.status });
    const text = await response.text();
    const body = (() => {
      try {
        return JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
      } catch {
        return null;
      }
    })();
    const shapeOk = typeof body?.error?.code === "string" && typeof body?.error?.message === "string";
    if (response.status < 400 || response.status >= 500 || !shapeOk)
      failures.push(`${bad.method} ${bad.path.slice(0, 80)} [${bad.name}] → ${response.status} ${text.slice(0, 120)}`);
  }
  return { failures, statuses, answers };
}

test("admin routes: a corpus of hostile requests from an admin gets 4xx JSON errors and changes no account, invitation or setting", async ({
  playwright,
}) => {
  test.setTimeout(120_000);
  // An instance with one admin, so the last-admin rule is what refuses.
  // No host is allowed to be private here: the MCP addresses below must all be refused.
  const app = await startInstance("hostile-admin", { MCP_ALLOWED_HOSTS: "" }, { freshDatabase: true });
  try {
    const adminClient = await apiUser(playwright, app.url, "Only admin");
    const target = await apiUser(playwright, app.url, "Target");
    const thread = await (await target.request.post("/api/threads", { data: { title: "theirs" } })).json();
    const cookie = cookieHeader(await adminClient.request.storageState());
    // A server to change: made in the database (its address resolves nowhere), with one tool.
    const server = await withDb(async (client) => {
      const id = (
        await client.query(
          `insert into mcp_server (name, url, auth) values ('Existing', 'https://mcp-existing.invalid/mcp', 'none') returning id`,
        )
      ).rows[0].id as string;
      await client.query(
        `insert into mcp_tool (server_id, name, input_schema) values ($1, 'echo', '{"type":"object"}')`,
        [id],
      );
      return id;
    }, app.databaseUrl);
    const requests = adminCorpus(target.userId, adminClient.userId, thread.id, server);
    const snapshot = () =>
      withDb(
        async (client) => ({
          users: (await client.query(`select row_to_json(u)::text as row from "user" u order by 1`)).rows,
          invitations: (await client.query(`select row_to_json(i)::text as row from invitation i order by 1`)).rows,
          settings: (await client.query(`select row_to_json(s)::text as row from instance_setting s order by 1`)).rows,
          sessions: (await client.query(`select count(*)::int as n from session`)).rows,
          servers: (await client.query(`select row_to_json(s)::text as row from mcp_server s order by 1`)).rows,
          tools: (await client.query(`select row_to_json(t)::text as row from mcp_tool t order by 1`)).rows,
          serverWorkspaces: (await client.query(`select count(*)::int as n from mcp_server_workspace`)).rows,
        }),
        app.databaseUrl,
      );
    const before = await snapshot();
    const { failures, statuses, answers } = await refusedAll(app.url, cookie, requests);
    console.log(
      `hostile admin corpus: ${requests.length} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    expect(requests.length).toBeGreaterThanOrEqual(150);
    expect(failures).toEqual([]);
    // Every MCP address that reaches inside (or is no HTTPS URL at all) is a 400 with its reason, before anything is saved.
    const inwardAnswers = answers.filter((a) => /^(connect|move to) /.test(a.name));
    expect(inwardAnswers.length).toBeGreaterThanOrEqual(70);
    expect(inwardAnswers.filter((a) => a.status !== 400)).toEqual([]);
    expect(await snapshot()).toEqual(before);
    for (const c of [adminClient, target]) await c.request.dispose();
  } finally {
    await app.stop();
  }
});

/**
 * Workspace routes, sent by the owner of one workspace (and a member of none other). `mine` is
 * theirs, with `member` in it; `theirs` and its member and invitation belong to someone else.
 */
function workspaceCorpus(ids: {
  mine: string;
  mySlug: string;
  myMembership: string;
  member: string;
  memberEmail: string;
  myInvitation: string;
  theirs: string;
  theirMember: string;
  theirInvitation: string;
}): Bad[] {
  const out: Bad[] = [];
  const add = (
    name: string,
    method: string,
    path: string,
    body?: string | Uint8Array<ArrayBuffer>,
    contentType: string | null = "application/json",
  ) => out.push({ name, method, path, body, contentType });
  const { mine, theirs } = ids;
  const invalidJson = ["{", "[", "", "\u0000", '{"name": "x"}}', "nul"];
  const badNames = [
    "",
    "   ",
    "x".repeat(81),
    1,
    true,
    null,
    [],
    {},
    "a\u0007b",
    "tab\there",
    "line\nbreak",
    "\u0085next line",
    "\u202eevil",
    "\u2066isolate",
    ...invalidText,
  ];
  const bodies: [string, string, unknown[]][] = [
    [
      "POST",
      "/api/workspaces",
      [
        null,
        [],
        "workspace",
        {},
        { name: "Fine" },
        { slug: "fine-slug" },
        ...badNames.map((name) => ({ name, slug: "valid-slug-hostile" })),
        ...[
          "",
          "a",
          "A-upper",
          "-lead",
          "trail-",
          "dou--ble",
          "under_score",
          "dots.in.it",
          "x".repeat(41),
          "../admin",
          "é-accent",
          5,
          null,
          ...sqlAndHtml,
        ].map((slug) => ({ name: "Fine", slug })),
        // Taken already: 409.
        { name: "Fine", slug: ids.mySlug },
        { name: "Fine", slug: "valid-slug-hostile", tokenQuota: 5 },
        { name: "Fine", slug: "valid-slug-hostile", role: "member" },
        { name: "Fine", slug: "valid-slug-hostile", userId: "someone" },
        JSON.parse('{"name": "Fine", "slug": "valid-slug-hostile", "__proto__": {"role": "owner"}}'),
      ],
    ],
    [
      "PATCH",
      `/api/workspaces/${mine}`,
      [
        null,
        [],
        {},
        ...badNames.map((name) => ({ name })),
        { tokenQuota: -1 },
        { tokenQuota: 1.5 },
        { tokenQuota: "100" },
        { tokenQuota: 1e13 },
        { tokenQuota: Number.MAX_SAFE_INTEGER + 2 },
        { tokenQuota: true },
        { slug: "new-slug" },
        { name: "Fine", slug: "new-slug" },
        { name: "Fine", id: theirs },
        { role: "owner" },
        JSON.parse('{"__proto__": {"tokenQuota": 1}}'),
      ],
    ],
    [
      "PUT",
      "/api/workspaces/active",
      [
        null,
        [],
        {},
        { workspaceId: 1 },
        { workspaceId: true },
        { workspaceId: [mine] },
        { workspaceId: { id: mine } },
        { workspaceId: "x".repeat(500) },
        { workspaceId: "" },
        { workspaceId: theirs },
        { workspaceId: "../admin" },
        { workspaceId: mine, extra: 1 },
        { id: mine },
        ...sqlAndHtml.map((workspaceId) => ({ workspaceId })),
        ...invalidText.map((workspaceId) => ({ workspaceId })),
      ],
    ],
    [
      "POST",
      `/api/workspaces/${mine}/invitations`,
      [
        null,
        [],
        {},
        { email: "not an email" },
        { email: 5 },
        { email: "a@b.c".repeat(100) },
        { email: `${"x".repeat(250)}@example.com` },
        { email: "fine@example.com", role: "superowner" },
        { email: "fine@example.com", role: "OWNER" },
        { email: "fine@example.com", role: null },
        { email: "fine@example.com", expiresInDays: 0 },
        { email: "fine@example.com", expiresInDays: 31 },
        { email: "fine@example.com", expiresInDays: 1.5 },
        { email: "fine@example.com", expiresInDays: "7" },
        { email: "fine@example.com", inviterId: "someone" },
        { email: "fine@example.com", organizationId: theirs },
        { email: "fine@example.com", status: "accepted" },
        { email: "fine@example.com", id: "chosen-by-me-0000" },
        ...sqlAndHtml.map((email) => ({ email })),
        ...invalidText.map((email) => ({ email: `${email}@example.com` })),
      ],
    ],
    [
      "PATCH",
      `/api/workspaces/${mine}/members/${ids.member}`,
      [
        null,
        [],
        {},
        { role: "superadmin" },
        { role: "Owner" },
        { role: null },
        { role: 1 },
        { role: "admin", userId: "someone" },
        { role: "admin", organizationId: theirs },
        ...sqlAndHtml.map((role) => ({ role })),
      ],
    ],
  ];
  for (const [method, path, shapes] of bodies) {
    for (const text of invalidJson) add(`invalid JSON ${json(text)}`, method, path, text);
    for (const shape of shapes) add(`shape ${json(shape)?.slice(0, 60)}`, method, path, json(shape));
    add("over the size limit", method, path, new Uint8Array(1_100_000).fill(97));
    add("over the size limit, valid JSON", method, path, json({ name: "x".repeat(1_100_000) }));
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", null])
      add(`content type ${type}`, method, path, json({ name: "Fine", role: "member" }), type);
  }

  const badIds = [
    "x".repeat(500),
    "x".repeat(65),
    encodeURIComponent("' OR '1'='1"),
    "%00",
    encodeURIComponent("<script>"),
    encodeURIComponent("\u202e"),
    "..%2F..",
    "a%2Fb",
    "00000000-0000-4000-8000-000000000000",
  ];
  for (const id of [...badIds, theirs]) {
    add(`get workspace ${id.slice(0, 30)}`, "GET", `/api/workspaces/${id}`);
    add(`rename workspace ${id.slice(0, 30)}`, "PATCH", `/api/workspaces/${id}`, json({ name: "Taken" }));
    add(`quota workspace ${id.slice(0, 30)}`, "PATCH", `/api/workspaces/${id}`, json({ tokenQuota: 0 }));
    add(`delete workspace ${id.slice(0, 30)}`, "DELETE", `/api/workspaces/${id}`);
    add(
      `invite into ${id.slice(0, 30)}`,
      "POST",
      `/api/workspaces/${id}/invitations`,
      json({ email: "intruder@example.com", role: "owner" }),
    );
    add(`revoke in ${id.slice(0, 30)}`, "DELETE", `/api/workspaces/${id}/invitations/${ids.theirInvitation}`);
    add(
      `role in ${id.slice(0, 30)}`,
      "PATCH",
      `/api/workspaces/${id}/members/${ids.theirMember}`,
      json({ role: "owner" }),
    );
    add(`remove in ${id.slice(0, 30)}`, "DELETE", `/api/workspaces/${id}/members/${ids.theirMember}`);
    add(`leave ${id.slice(0, 30)}`, "POST", `/api/workspaces/${id}/leave`);
  }
  for (const id of [...badIds, ids.theirMember, ids.myInvitation]) {
    add(`role of member ${id.slice(0, 30)}`, "PATCH", `/api/workspaces/${mine}/members/${id}`, json({ role: "admin" }));
    add(`remove member ${id.slice(0, 30)}`, "DELETE", `/api/workspaces/${mine}/members/${id}`);
  }
  for (const id of [...badIds, ids.theirInvitation, ids.member]) {
    add(`revoke invitation ${id.slice(0, 30)}`, "DELETE", `/api/workspaces/${mine}/invitations/${id}`);
    add(`accept ${id.slice(0, 30)}`, "POST", `/api/invitations/${id}/accept`);
  }
  // Their invitation is for another address; my own pending one is too (it names someone else).
  add("accept an invitation for someone else", "POST", `/api/invitations/${ids.myInvitation}/accept`);
  // The last owner: cannot step down, leave, or remove themself.
  add(
    "last owner steps down",
    "PATCH",
    `/api/workspaces/${mine}/members/${ids.myMembership}`,
    json({ role: "member" }),
  );
  add("last owner leaves", "POST", `/api/workspaces/${mine}/leave`);
  add("remove myself", "DELETE", `/api/workspaces/${mine}/members/${ids.myMembership}`);
  add("invite a member again", "POST", `/api/workspaces/${mine}/invitations`, json({ email: ids.memberEmail }));
  for (const [method, path] of [
    ["DELETE", "/api/workspaces"],
    ["PUT", "/api/workspaces"],
    ["PATCH", "/api/workspaces"],
    ["GET", "/api/workspaces/active"],
    ["POST", "/api/workspaces/active"],
    ["DELETE", "/api/workspaces/active"],
    ["POST", `/api/workspaces/${mine}`],
    ["PUT", `/api/workspaces/${mine}`],
    ["GET", `/api/workspaces/${mine}/invitations`],
    ["DELETE", `/api/workspaces/${mine}/invitations`],
    ["GET", `/api/workspaces/${mine}/invitations/${ids.myInvitation}`],
    ["PATCH", `/api/workspaces/${mine}/invitations/${ids.myInvitation}`],
    ["GET", `/api/workspaces/${mine}/members/${ids.member}`],
    ["PUT", `/api/workspaces/${mine}/members/${ids.member}`],
    ["GET", `/api/workspaces/${mine}/leave`],
    ["DELETE", `/api/workspaces/${mine}/leave`],
    ["GET", `/api/invitations/${ids.myInvitation}/accept`],
    ["DELETE", `/api/invitations/${ids.myInvitation}/accept`],
  ] as const) {
    add(`wrong method ${method} ${path}`, method, path, method === "GET" ? undefined : json({}));
  }
  return out;
}

test("workspace routes: a corpus of hostile requests gets 4xx JSON errors and changes no workspace, member, invitation or session", async ({
  playwright,
  baseURL,
}) => {
  test.setTimeout(180_000);
  const me = await apiUser(playwright, baseURL!, "Hostile owner");
  const member = await apiUser(playwright, baseURL!, "Hostile member");
  const them = await apiUser(playwright, baseURL!, "Other owner");
  const theirMemberClient = await apiUser(playwright, baseURL!, "Other member");
  const emailOf = (userId: string) =>
    withDb(async (c) => {
      await c.query(`update "user" set email_verified = true where id = $1`, [userId]);
      return (await c.query(`select email from "user" where id = $1`, [userId])).rows[0].email as string;
    });
  const create = async (owner: typeof me, name: string) => {
    const slug = `hostile-${process.pid}-${Date.now().toString(36)}-${name.length}`;
    const response = await owner.request.post("/api/workspaces", { data: { name, slug } });
    expect(response.status()).toBe(201);
    return (await response.json()) as { id: string; slug: string };
  };
  const invite = async (owner: typeof me, workspaceId: string, email: string) => {
    const response = await owner.request.post(`/api/workspaces/${workspaceId}/invitations`, { data: { email } });
    expect(response.status()).toBe(201);
    return (await response.json()).invitation.id as string;
  };
  const joinAs = async (owner: typeof me, workspaceId: string, who: typeof me) => {
    const id = await invite(owner, workspaceId, await emailOf(who.userId));
    await expect.poll(async () => (await who.request.post(`/api/invitations/${id}/accept`)).status()).toBe(200);
  };
  const memberId = async (viewer: typeof me, workspaceId: string, userId: string) =>
    (
      (await (await viewer.request.get(`/api/workspaces/${workspaceId}`)).json()).members as {
        id: string;
        userId: string;
      }[]
    ).find((m) => m.userId === userId)!.id;

  const mine = await create(me, "Mine");
  const theirs = await create(them, "Theirs, a longer name");
  await joinAs(me, mine.id, member);
  await joinAs(them, theirs.id, theirMemberClient);
  const ids = {
    mine: mine.id,
    mySlug: mine.slug,
    myMembership: await memberId(me, mine.id, me.userId),
    member: await memberId(me, mine.id, member.userId),
    memberEmail: await emailOf(member.userId),
    myInvitation: await invite(me, mine.id, `hostile-pending-${process.pid}-${Date.now()}@example.com`),
    theirs: theirs.id,
    theirMember: await memberId(them, theirs.id, theirMemberClient.userId),
    theirInvitation: await invite(them, theirs.id, `their-pending-${process.pid}-${Date.now()}@example.com`),
  };
  const snapshot = () =>
    withDb(async (client) => {
      const rows = async (query: string) =>
        (await client.query(query, [[mine.id, theirs.id]])).rows.map((r) => r.row as string);
      return {
        workspaces: await rows(`select row_to_json(t)::text as row from workspace t where id = any($1) order by 1`),
        members: await rows(
          `select row_to_json(t)::text as row from workspace_member t where workspace_id = any($1) order by 1`,
        ),
        invitations: await rows(
          `select row_to_json(t)::text as row from workspace_invitation t where workspace_id = any($1) order by 1`,
        ),
        mySessions: (
          await client.query(`select id, active_workspace_id from session where user_id = $1 order by 1`, [me.userId])
        ).rows,
        slugs: (await client.query(`select count(*)::int as n from workspace where slug like 'valid-slug-hostile%'`))
          .rows,
      };
    });
  const cookie = cookieHeader(await me.request.storageState());
  const requests = workspaceCorpus(ids);
  const before = await snapshot();
  const { failures, statuses } = await refusedAll(baseURL!, cookie, requests);
  console.log(
    `hostile workspace corpus: ${requests.length} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
  );
  expect(requests.length).toBeGreaterThanOrEqual(250);
  expect(failures).toEqual([]);
  expect(await snapshot()).toEqual(before);
  for (const c of [me, member, them, theirMemberClient]) await c.request.dispose();
});

test("forged address headers: one account's sign-ins are limited whatever address each claims, and sessions record the real one", async ({
  baseURL,
}) => {
  const email = uniqueEmail("forged");
  const post = (path: string, body: unknown, headers: Record<string, string>) =>
    fetch(`${baseURL}/api/auth${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: baseURL!, ...headers },
      body: JSON.stringify(body),
    });
  expect((await post("/sign-up/email", { name: "Forged", email, password }, forgedAddressHeaders[0])).status).toBe(200);

  // This server allows many attempts per address (every test signs up from 127.0.0.1); the
  // per-account limit (5 failures) must hold against every kind of forged header.
  const statuses: number[] = [];
  for (let i = 0; i < 20; i++) {
    const response = await post(
      "/sign-in/email",
      { email, password: `wrong ${i}` },
      forgedAddressHeaders[i % forgedAddressHeaders.length],
    );
    statuses.push(response.status);
    if (response.status === 429) expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  }
  expect(statuses).toEqual([...Array(5).fill(401), ...Array(15).fill(429)]);
  expect((await post("/sign-in/email", { email, password }, forgedAddressHeaders[1])).status).toBe(429);

  // The auth routes take no body larger than any other route does.
  const huge = await fetch(`${baseURL}/api/auth/sign-in/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: baseURL! },
    body: JSON.stringify({ email, password: "x".repeat(1_100_000) }),
  });
  expect(huge.status).toBe(413);
  expect(((await huge.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");

  const addresses = await withDb(async (client) =>
    (
      await client.query(`select s.ip_address from session s join "user" u on u.id = s.user_id where u.email = $1`, [
        email,
      ])
    ).rows.map((r) => r.ip_address as string),
  );
  expect(addresses).toEqual(["127.0.0.1"]);
});

/** Redirect targets as an attacker writes them: each one must leave a person on this app. */
const hostileRedirects = [
  "/%09/example.com",
  "/\t/example.com",
  "/%0a/x",
  "/\n/x",
  "/%0d%0a/x",
  "/%00/x",
  "/%7f/example.com",
  "/\\example.com",
  "\\\\example.com",
  "/%5C/example.com",
  "//example.com",
  "///example.com",
  "/%2F/example.com",
  "%2F%2Fexample.com",
  "/%252F/example.com",
  "/.//example.com",
  "https://example.com",
  "https:example.com",
  "https:/example.com",
  "javascript:alert(1)",
  "data:text/html,x",
  " /x",
  `/${"a".repeat(5000)}`,
];

test("hostile redirect targets: pages fall back to /, better-auth refuses them in bodies, never a 5xx", async ({
  baseURL,
}) => {
  const own = new URL(baseURL!).origin;
  const email = uniqueEmail("redirects");
  const signUp = await fetch(`${baseURL}/api/auth/sign-up/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: own },
    body: JSON.stringify({ name: "R", email, password }),
  });
  const cookie = cookieHeader(signUp, "session_token");
  const failures: string[] = [];
  for (const target of hostileRedirects) {
    // Signed in, the page redirects at once: to / on this origin.
    for (const page of ["/sign-in", "/sign-up"]) {
      const response = await fetch(`${baseURL}${page}?callbackURL=${encodeURIComponent(target)}`, {
        headers: { cookie },
        redirect: "manual",
      });
      const location = response.headers.get("location");
      const landed = location ? new URL(location, own) : null;
      if (response.status >= 500 || landed?.origin !== own || landed.pathname !== "/")
        failures.push(`${page} ${JSON.stringify(target).slice(0, 40)} → ${response.status} ${location}`);
    }
    // Sent to better-auth directly, with the right password: refused before anything happens (no
    // session). Either better-auth's own check or the app's (lib/auth/safe-redirect.ts) says so. (The
    // reset and verification mail endpoints have a small per-address limit of their own, which
    // parallel tests share: the unit and integration tests cover them.)
    const response = await fetch(`${baseURL}/api/auth/sign-in/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: own },
      body: JSON.stringify({ email, password, callbackURL: target }),
    });
    const code = ((await response.json().catch(() => ({}))) as { code?: string }).code;
    if (response.status !== 403 || !/^INVALID_\w*URL$/.test(code ?? "") || response.headers.get("set-cookie"))
      failures.push(`sign-in ${JSON.stringify(target).slice(0, 40)} → ${response.status} ${code}`);
  }
  expect(failures).toEqual([]);
});

/** A request sent as written: the path is not normalized on the way (`..`, `\`, `//` stay as they are). */
function rawRequest(baseURL: string, method: string, path: string, headers: Record<string, string>) {
  const { hostname, port } = new URL(baseURL);
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>(
    (resolve, reject) => {
      const request = httpRequest({ host: hostname, port, method, path, headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks).toString() }),
        );
        response.on("error", reject);
      });
      request.on("error", reject);
      request.end();
    },
  );
}

test("share links: forged tokens, deleted links, links of another audience and path tricks on the file route get the 404, never a 5xx or a byte of a snapshot, and change nothing", async ({
  playwright,
  baseURL,
}) => {
  test.setTimeout(180_000);
  const alice = await apiUser(playwright, baseURL!, "Hostile author");
  const bob = await apiUser(playwright, baseURL!, "Hostile reader");
  const tag = `${process.pid}-${Date.now()}`;
  const secrets: string[] = [];
  /** A thread of Alice's with a file in it, shared with `audience`; the link, its file's share id and the upload's id. */
  const shared = async (name: string, audience?: "signed-in" | "workspace") => {
    const secret = `${name} secret ${tag}`;
    secrets.push(secret, `${name} file ${tag}`);
    const thread = await threadWithReply(alice, secret, `about ${secret}`, [
      { name: `${name}.txt`, type: "text/plain", bytes: Buffer.from(`${name} file ${tag}`) },
    ]);
    const link = await share(alice, thread.id, audience, 201);
    const file = await withDb(
      async (c) => (await c.query(`select id from share_file where link_id = $1`, [link.id])).rows[0].id as string,
    );
    return { thread, link, token: tokenOf(link), file, upload: thread.uploads[0].id };
  };
  const live = await shared("live");
  const other = await shared("other");
  const deleted = await shared("deleted");
  expect((await alice.request.delete(`/api/threads/${deleted.thread.id}/link`)).status()).toBe(204);
  const threadGone = await shared("thread-gone");
  expect((await alice.request.delete(`/api/threads/${threadGone.thread.id}`)).status()).toBeLessThan(300);
  // An `anyone` link on an instance that allows signed-in links only: suspended, for Bob too.
  const suspended = await shared("suspended");
  await withDb((c) => c.query(`update share_link set audience = 'anyone' where id = $1`, [suspended.link.id]));
  // A workspace link: Alice's workspace, which Bob is not in.
  const space = await createWorkspace([{ userId: alice.userId, role: "owner" }]);
  await activateWorkspace(alice, space.id);
  const members = await shared("members", "workspace");
  expect((await alice.request.get(members.link.path)).status()).toBe(200);
  await activateWorkspace(alice, null);
  const bobsUpload = (await (await uploadFile(bob.request, "bob.txt", Buffer.from("bob's own"))).json()).id as string;

  // What a valid link shows Bob, so the corpus below is known to name real things.
  expect(await (await bob.request.get(`/s/${live.token}/files/${live.file}`)).text()).toBe(`live file ${tag}`);

  const flipCase = (token: string) => {
    const i = token.search(/[A-Za-z]/);
    const c = token[i]!;
    return token.slice(0, i) + (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) + token.slice(i + 1);
  };
  const tokens: [string, string][] = [
    ["one character", "a"],
    ["42 characters", live.token.slice(0, 42)],
    ["44 characters", `${live.token}A`],
    ["1000 characters", "x".repeat(1000)],
    ["random, right shape", randomToken()],
    ["random, right shape", randomToken()],
    ["case flipped", flipCase(live.token)],
    ["base64, not base64url", live.token.replace(/^./, "+")],
    ["base64 padding", `${live.token.slice(0, 42)}=`],
    ["encoded slash", `${live.token.slice(0, 20)}%2F${live.token.slice(23)}`],
    ["unicode", encodeURIComponent("é".repeat(43))],
    ["fullwidth letters", encodeURIComponent("Ａ".repeat(43))],
    ["right-to-left override", encodeURIComponent(`\u202e${live.token.slice(1)}`)],
    ["NUL", `${live.token.slice(0, 42)}%00`],
    ["SQL", encodeURIComponent("' OR '1'='1")],
    ["SQL, 43 characters", encodeURIComponent(`'OR'1'='1'--${"x".repeat(31)}`)],
    ["climbing out", "..%2F..%2Fapi%2Fthreads"],
    ["the thread's id", live.thread.id],
    ["the link's id", live.link.id],
    ["its file's id", live.file],
    ["the author's id", alice.userId],
    ["a deleted link", deleted.token],
    ["a deleted thread's link", threadGone.token],
    ["an anyone link, not allowed here", suspended.token],
    ["a workspace link, not a member", members.token],
  ];
  type Case = { name: string; method: string; path: string; kind: "page" | "file" | "continue" | "other" };
  const cases: Case[] = [];
  for (const [name, token] of tokens) {
    cases.push({ name: `page: ${name}`, method: "GET", path: `/s/${token}`, kind: "page" });
    cases.push({ name: `file: ${name}`, method: "GET", path: `/s/${token}/files/${live.file}`, kind: "file" });
    cases.push({ name: `own file: ${name}`, method: "GET", path: `/s/${token}/files/${other.file}`, kind: "file" });
    cases.push({ name: `continue: ${name}`, method: "POST", path: `/s/${token}/continue`, kind: "continue" });
  }
  const files = `/s/${live.token}/files`;
  const fileIds: [string, string][] = [
    ["another link's file", other.file],
    ["a deleted link's file", deleted.file],
    ["a deleted thread's link's file", threadGone.file],
    ["a workspace link's file", members.file],
    ["the author's upload", live.upload],
    ["another upload of the author's", other.upload],
    ["Bob's own upload", bobsUpload],
    ["the thread's id", live.thread.id],
    ["the link's id", live.link.id],
    ["nil uuid", "00000000-0000-0000-0000-000000000000"],
    ["not a uuid", "1"],
    ["long", "x".repeat(500)],
    ["with an extension", `${other.file}.txt`],
    ["NUL", `${live.file.slice(0, 35)}%00`],
    ["encoded slash", `%2F${other.file}`],
    ["encoded dots", `%2e%2e%2f${other.file}`],
    ["climbing out, encoded", `..%2F..%2F..%2Fapi%2Fattachments%2F${live.upload}`],
    ["climbing out, double encoded", `..%252F..%252F..%252Fapi%252Fattachments%252F${live.upload}`],
  ];
  for (const [name, id] of fileIds)
    cases.push({ name: `file id: ${name}`, method: "GET", path: `${files}/${id}`, kind: "file" });
  // Paths as written, not normalized by the client: wherever the server takes them, never a file it should not serve.
  for (const [name, path] of [
    ["dot segments to the attachment route", `${files}/../../../api/attachments/${live.upload}`],
    ["dot segments to another link's file", `${files}/${live.file}/../${other.file}`],
    ["dot segments to a deleted link's file", `${files}/../../${deleted.token}/files/${deleted.file}`],
    ["backslashes", `${files}/..\\..\\..\\api\\attachments\\${live.upload}`],
    ["double slash", `/s/${live.token}//files/${other.file}`],
    ["a segment more", `${files}/${live.file}/x`],
    ["a file under the page", `/s/${live.token}/${live.file}`],
  ])
    cases.push({ name: `raw path: ${name}`, method: "GET", path, kind: "other" });
  for (const [method, path] of [
    ["POST", `${files}/${live.file}`],
    ["PUT", `${files}/${live.file}`],
    ["PATCH", `${files}/${live.file}`],
    ["DELETE", `${files}/${live.file}`],
    ["GET", `/s/${live.token}/continue`],
    ["PUT", `/s/${live.token}/continue`],
    ["DELETE", `/s/${live.token}/continue`],
  ])
    cases.push({ name: `wrong method ${method}`, method, path, kind: "other" });

  const people = [
    ["Bob", cookieHeader(await bob.request.storageState())],
    ["anonymous", ""],
  ] as const;
  const watched = [alice.userId, bob.userId];
  const before = await snapshotUsers(watched);
  const failures: string[] = [];
  const statuses = new Map<number, number>();
  for (const [who, cookie] of people) {
    const headers = { origin: baseURL!, ...(cookie ? { cookie } : {}) };
    const unknownPage = await rawRequest(baseURL!, "GET", `/s/${randomToken()}`, headers);
    expect(unknownPage.status).toBe(404);
    const notFoundText = visibleText(unknownPage.body);
    for (const c of cases) {
      let response = await rawRequest(baseURL!, c.method, c.path, headers);
      // Next answers a path with `//` or `\` with a redirect to its clean form: where it leads is what counts.
      for (let hops = 0; c.kind === "other" && response.status === 308 && hops < 3; hops++) {
        const location = String(response.headers.location);
        if (!location.startsWith("/") || location.startsWith("//")) break;
        response = await rawRequest(baseURL!, c.method, location, headers);
      }
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      const problem = (why: string) =>
        failures.push(`${who}: ${c.method} ${c.path.slice(0, 90)} [${c.name}] → ${response.status}: ${why}`);
      if (response.status < 400 || response.status >= 500) problem("not a 4xx");
      const leaked = secrets.find((secret) => response.body.includes(secret));
      if (leaked) problem(`the body holds "${leaked}"`);
      if (c.kind === "page" && response.status === 404 && visibleText(response.body) !== notFoundText)
        problem(`another 404 page: ${visibleText(response.body).slice(0, 120)}`);
      if (c.kind === "file" && response.status === 404) {
        const code = (() => {
          try {
            return (JSON.parse(response.body) as { error: { code: string } }).error.code;
          } catch {
            return null;
          }
        })();
        if (code !== "not_found") problem(`not the JSON 404: ${response.body.slice(0, 80)}`);
      }
      if (
        c.kind !== "other" &&
        response.status === 404 &&
        !String(response.headers["cache-control"]).includes("no-store")
      )
        problem(`Cache-Control ${response.headers["cache-control"]}`);
    }
  }
  console.log(
    `hostile share corpus: ${cases.length * people.length} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
  );
  expect(cases.length).toBeGreaterThanOrEqual(120);
  expect(failures).toEqual([]);
  // Nothing written: no thread continued, no view counted, no link or file changed.
  expect(await snapshotUsers(watched)).toEqual(before);
  expect(await (await bob.request.get(`/s/${live.token}/files/${live.file}`)).text()).toBe(`live file ${tag}`);
  for (const client of [alice, bob]) await client.request.dispose();
});

test("share links: replies of hostile Markdown are shared within the renderer's budget, and their page is served at once, as plain text", async ({
  playwright,
  baseURL,
}) => {
  test.setTimeout(90_000);
  const alice = await apiUser(playwright, baseURL!, "Markdown author");
  const bob = await apiUser(playwright, baseURL!, "Markdown reader");
  const tag = `${process.pid}-${Date.now()}`;
  const thread = await threadWithReply(alice, `Hostile Markdown ${tag}`, `a **plain** question ${tag}`);
  const { messages } = (await (await alice.request.get(`/api/threads/${thread.id}/messages`)).json()) as {
    messages: { id: string }[];
  };
  // Each stored as any client can: the settled copy of an assistant reply.
  let parentId = messages.at(-1)!.id;
  for (const [name, text] of Object.entries(hostileMarkdown)) {
    const id = `hostile-${name}-${tag}`;
    const saved = await alice.request.post(`/api/threads/${thread.id}/messages`, {
      data: {
        id,
        parentId,
        format: "ai-sdk/v6",
        content: { role: "assistant", metadata: { finishReason: "stop" }, parts: [{ type: "text", text }] },
      },
    });
    expect(saved.status(), await saved.text()).toBe(204);
    parentId = id;
  }
  const started = Date.now();
  const link = await share(alice, thread.id, undefined, 201);
  // Rendered once, off the event loop: three texts at the worker's per-text deadline, within its budget.
  expect(Date.now() - started).toBeLessThan(15_000);
  const health = await bob.request.get("/api/health");
  expect(health.status()).toBe(200);
  for (let i = 0; i < 3; i++) {
    const viewed = Date.now();
    const page = await bob.request.get(link.path);
    expect(page.status()).toBe(200);
    const html = await page.text();
    // A view parses no Markdown: each of these held a server's thread for seconds to minutes.
    expect(Date.now() - viewed).toBeLessThan(5_000);
    expect(html).toContain("<strong>plain</strong>");
    expect(html).toContain(`<p class="break-words whitespace-pre-wrap">${hostileMarkdown.emphasis}</p>`);
    expect(html).toContain(`<p class="break-words whitespace-pre-wrap">${hostileMarkdown.stars}</p>`);
    expect(html).toContain(`<p class="break-words whitespace-pre-wrap">${"&gt; ".repeat(16_000)}</p>`);
  }
  for (const client of [alice, bob]) await client.request.dispose();
});

/** Project routes, sent by a person with a project of their own (and a file in it), a member's view of another's, and none of a stranger's. */
function projectCorpus(ids: {
  mine: string;
  myFile: string;
  full: string;
  heavy: string;
  membersOnly: string;
  theirs: string;
  theirFile: string;
  myThread: string;
  theirThread: string;
}): Bad[] {
  const out: Bad[] = [];
  const add = (
    name: string,
    method: string,
    path: string,
    body?: string | Uint8Array<ArrayBuffer>,
    contentType: string | null = "application/json",
  ) => out.push({ name, method, path, body, contentType });
  const badIds = [
    "1",
    "not-a-uuid",
    "00000000-0000-0000-0000-00000000000",
    "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz",
    "..%2F..%2Fetc%2Fpasswd",
    encodeURIComponent("' OR '1'='1"),
    encodeURIComponent("<img src=x onerror=alert(1)>"),
    "%00",
    encodeURIComponent("\u202e"),
    "x".repeat(500),
    "00000000-0000-4000-8000-000000000000",
  ];
  const invalidJson = ["{", "[", "", " ", "\u0000", "{'name':'x'}", '{"name":"x",}', '{"name": "x"}}'];
  const sizes = (method: string, path: string) => {
    add("body over the size limit", method, path, new Uint8Array(1_100_000).fill(97));
    add("over the size limit, valid JSON", method, path, json({ name: "x", instructions: "x".repeat(1_100_000) }));
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", null])
      add(`content type ${type}`, method, path, json({ name: "fine" }), type);
  };
  const tooLong = "x".repeat(8_001);

  // Project ids that name nothing of the caller's: malformed, missing, a stranger's.
  for (const id of [...badIds, ids.theirs]) {
    const at = `/api/projects/${id}`;
    add(`project ${id.slice(0, 40)}`, "GET", at);
    add(`rename ${id.slice(0, 40)}`, "PATCH", at, json({ name: "hijack" }));
    add(`delete project ${id.slice(0, 40)}`, "DELETE", at);
    add(`files of ${id.slice(0, 40)}`, "GET", `${at}/files`);
    add(`file of ${id.slice(0, 40)}`, "GET", `${at}/files/${ids.theirFile}`);
    add(`delete file of ${id.slice(0, 40)}`, "DELETE", `${at}/files/${ids.theirFile}`);
    add(`content of ${id.slice(0, 40)}`, "GET", `${at}/files/${ids.theirFile}/content`);
    add(`passage of ${id.slice(0, 40)}`, "GET", `${at}/files/${ids.theirFile}/passages/1`);
    add(`thread into ${id.slice(0, 40)}`, "PUT", `/api/threads/${ids.myThread}/project`, json({ projectId: id }));
    add(`new thread in ${id.slice(0, 40)}`, "POST", "/api/threads", json({ projectId: decodeURIComponent(id) }));
  }
  // File ids that name nothing in the caller's own project (a stranger's file included).
  for (const id of [...badIds, ids.theirFile]) {
    const at = `/api/projects/${ids.mine}/files/${id}`;
    add(`my project's file ${id.slice(0, 40)}`, "GET", at);
    add(`delete my project's file ${id.slice(0, 40)}`, "DELETE", at);
    add(`content ${id.slice(0, 40)}`, "GET", `${at}/content`);
    add(`passage of file ${id.slice(0, 40)}`, "GET", `${at}/passages/1`);
  }
  // Passage numbers that name no passage of the caller's own indexed file.
  for (const seq of [
    "0",
    "-1",
    "1.5",
    "1e3",
    "0x1",
    "abc",
    "%00",
    "%201",
    "999999",
    "2147483648",
    "99999999999999999999",
    "x".repeat(300),
    encodeURIComponent("1; DROP TABLE project_chunk"),
  ])
    add(`passage ${seq.slice(0, 30)}`, "GET", `/api/projects/${ids.mine}/files/${ids.myFile}/passages/${seq}`);

  // Creating: a name of 1-100 characters, instructions within MAX_INSTRUCTIONS_CHARS, nothing more.
  const createShapes: unknown[] = [
    null,
    1,
    "name",
    [],
    {},
    { name: "" },
    { name: "   " },
    { name: 1 },
    { name: null },
    { name: ["x"] },
    { name: { first: "x" } },
    { name: "x".repeat(101) },
    { name: "x".repeat(100_000) },
    { name: "line\nbreak" },
    { name: "tab\there" },
    { name: "bidi \u202e override" },
    ...invalidText.map((u) => ({ name: u })),
    { name: "ok", instructions: 5 },
    { name: "ok", instructions: null },
    { name: "ok", instructions: ["x"] },
    { name: "ok", instructions: tooLong },
    ...invalidText.map((u) => ({ name: "ok", instructions: u })),
    { name: "ok", extra: 1 },
    { name: "ok", workspaceId: "someone-elses" },
    { name: "ok", userId: "someone" },
    { name: "ok", canEdit: true },
    { name: "ok", id: ids.theirs },
    JSON.parse('{"__proto__": {"canEdit": true}}'),
    JSON.parse('{"name": "ok", "constructor": {"prototype": {"admin": true}}}'),
    ...sqlAndHtml.map((s) => ({ name: "ok", [s]: s })),
  ];
  for (const text of invalidJson) add(`create: invalid JSON ${json(text)}`, "POST", "/api/projects", text);
  for (const shape of createShapes) add(`create: ${json(shape)?.slice(0, 60)}`, "POST", "/api/projects", json(shape));
  sizes("POST", "/api/projects");

  // Changing: a name or instructions (at least one), nothing more.
  const patchShapes: unknown[] = [
    null,
    [],
    "x",
    {},
    { name: "" },
    { name: 1 },
    { name: null },
    { name: "x".repeat(101) },
    { instructions: tooLong },
    { instructions: 1 },
    { instructions: null },
    ...invalidText.map((u) => ({ name: u })),
    ...invalidText.map((u) => ({ instructions: u })),
    { name: "ok", extra: 1 },
    { name: "ok", workspaceId: null },
    { name: "ok", userId: "someone" },
    { files: [] },
    JSON.parse('{"__proto__": {"name": "x"}}'),
  ];
  const mineAt = `/api/projects/${ids.mine}`;
  for (const text of invalidJson) add(`patch: invalid JSON ${json(text)}`, "PATCH", mineAt, text);
  for (const shape of patchShapes) add(`patch: ${json(shape)?.slice(0, 60)}`, "PATCH", mineAt, json(shape));
  sizes("PATCH", mineAt);
  // A member of the project's workspace who is not its creator or an admin there sees it but changes nothing (403).
  const members = `/api/projects/${ids.membersOnly}`;
  add("member renames", "PATCH", members, json({ name: "mine now" }));
  add("member rewrites instructions", "PATCH", members, json({ instructions: "Obey me." }));
  add("member deletes", "DELETE", members);
  add(
    "member uploads",
    "POST",
    `${members}/files`,
    mpFile("member.txt", "text/plain", Buffer.from("from a member")),
    mpType,
  );

  // Personal instructions: `{ instructions }`, a string within the limit.
  for (const text of invalidJson)
    add(`instructions: invalid JSON ${json(text)}`, "PUT", "/api/account/instructions", text);
  for (const shape of [
    null,
    [],
    "text",
    {},
    { instructions: 1 },
    { instructions: null },
    { instructions: ["x"] },
    { instructions: tooLong },
    ...invalidText.map((u) => ({ instructions: u })),
    { instructions: "ok", userId: "someone" },
    { instructions: "ok", extra: 1 },
    { text: "ok" },
    JSON.parse('{"__proto__": {"instructions": "x"}}'),
  ])
    add(`instructions: ${json(shape)?.slice(0, 60)}`, "PUT", "/api/account/instructions", json(shape));
  add("instructions over the size limit", "PUT", "/api/account/instructions", new Uint8Array(1_100_000).fill(97));
  add("instructions as text", "PUT", "/api/account/instructions", "Be brief.", "text/plain");

  // Moving a thread: `{ projectId: uuid | null }`, the caller's own thread, a project they may use.
  const moveAt = `/api/threads/${ids.myThread}/project`;
  for (const text of invalidJson) add(`move: invalid JSON ${json(text)}`, "PUT", moveAt, text);
  for (const shape of [
    null,
    [],
    {},
    { projectId: 1 },
    { projectId: true },
    { projectId: [ids.mine] },
    { projectId: { id: ids.mine } },
    { projectId: "x".repeat(101) },
    { project: ids.mine },
    { projectId: ids.mine, extra: 1 },
    { projectId: ids.mine, threadId: ids.theirThread },
    { projectId: ids.theirs },
    { projectId: ids.membersOnly },
    ...sqlAndHtml.map((s) => ({ projectId: s })),
  ])
    add(`move: ${json(shape)?.slice(0, 60)}`, "PUT", moveAt, json(shape));
  add("move someone else's thread out", "PUT", `/api/threads/${ids.theirThread}/project`, json({ projectId: null }));
  add(
    "move someone else's thread into mine",
    "PUT",
    `/api/threads/${ids.theirThread}/project`,
    json({ projectId: ids.mine }),
  );
  for (const id of badIds) {
    add(`move thread ${id.slice(0, 40)}`, "PUT", `/api/threads/${id}/project`, json({ projectId: ids.mine }));
    add(`instructions of thread ${id.slice(0, 40)}`, "GET", `/api/threads/${id}/instructions`);
  }
  add("someone else's thread's instructions", "GET", `/api/threads/${ids.theirThread}/instructions`);
  // A new thread in a project: a UUID of a project the caller may use, never null or another type.
  for (const shape of [
    { projectId: null },
    { projectId: 1 },
    { projectId: [ids.mine] },
    { projectId: ids.mine, workspaceId: "x" },
    { projectId: ids.membersOnly },
  ])
    add(`new thread ${json(shape).slice(0, 60)}`, "POST", "/api/threads", json(shape));

  // Uploads into the caller's own project: multipart only, exactly one well-formed file part, of an accepted kind.
  const upload = `/api/projects/${ids.mine}/files`;
  const uploads: [string, string | Uint8Array<ArrayBuffer>, string | null][] = [
    ["JSON body", json({ file: "aGVsbG8=" }), "application/json"],
    ["no content type", "hello", null],
    ["plain text", "hello", "text/plain"],
    ["form-urlencoded", "file=hello", "application/x-www-form-urlencoded"],
    [
      "multipart without a boundary",
      mpPart('Content-Disposition: form-data; name="file"; filename="a.txt"', "a"),
      "multipart/form-data",
    ],
    [
      "truncated multipart",
      `--${mpBoundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhalf`,
      mpType,
    ],
    ["empty multipart", mpEnd, mpType],
    ["a field, not a file", mpPart('Content-Disposition: form-data; name="file"', "just text") + mpEnd, mpType],
    [
      "a file in another field",
      mpPart('Content-Disposition: form-data; name="upload"; filename="a.txt"', "a") + mpEnd,
      mpType,
    ],
    [
      "two files",
      mpPart('Content-Disposition: form-data; name="file"; filename="a.txt"', "a") +
        mpPart('Content-Disposition: form-data; name="file"; filename="b.txt"', "b") +
        mpEnd,
      mpType,
    ],
    [
      "many files",
      Array.from({ length: 60 }, (_, i) =>
        mpPart(`Content-Disposition: form-data; name="file"; filename="f${i}.txt"`, `file ${i}`),
      ).join("") + mpEnd,
      mpType,
    ],
    ["an empty file", mpPart('Content-Disposition: form-data; name="file"; filename="empty.txt"', "") + mpEnd, mpType],
    ["an image (attachments take it; projects do not)", mpFile("pixel.png", "image/png", png), mpType],
    [
      "a binary of no accepted type",
      mpPart(
        'Content-Disposition: form-data; name="file"; filename="x.exe"\r\nContent-Type: text/plain',
        "MZ\u0000\u0001\u0002",
      ) + mpEnd,
      mpType,
    ],
    ["garbage", new Uint8Array(2048).fill(0xff), mpType],
    ["over the size limit", new Uint8Array(11 * 1024 * 1024).fill(97), mpType],
  ];
  for (const [name, body, type] of uploads) add(`upload: ${name}`, "POST", upload, body, type);
  // A stranger's project: 404 before anything is read; projects at their limits: 409 (files) and 413 (bytes).
  const fine = mpFile("fine.txt", "text/plain", Buffer.from("a fine file"));
  add("upload into someone else's project", "POST", `/api/projects/${ids.theirs}/files`, fine, mpType);
  add("upload into a project with as many files as allowed", "POST", `/api/projects/${ids.full}/files`, fine, mpType);
  add("upload past the project's bytes", "POST", `/api/projects/${ids.heavy}/files`, fine, mpType);

  // Methods the routes do not have: 405 in the JSON shape.
  for (const [method, path] of [
    ["PUT", "/api/projects"],
    ["PATCH", "/api/projects"],
    ["DELETE", "/api/projects"],
    ["POST", mineAt],
    ["PUT", mineAt],
    ["PUT", `${mineAt}/files`],
    ["PATCH", `${mineAt}/files`],
    ["DELETE", `${mineAt}/files`],
    ["POST", `${mineAt}/files/${ids.myFile}`],
    ["PUT", `${mineAt}/files/${ids.myFile}`],
    ["PATCH", `${mineAt}/files/${ids.myFile}`],
    ["POST", `${mineAt}/files/${ids.myFile}/content`],
    ["DELETE", `${mineAt}/files/${ids.myFile}/content`],
    ["POST", `${mineAt}/files/${ids.myFile}/passages/1`],
    ["DELETE", `${mineAt}/files/${ids.myFile}/passages/1`],
    ["GET", moveAt],
    ["POST", moveAt],
    ["DELETE", moveAt],
    ["POST", `/api/threads/${ids.myThread}/instructions`],
    ["PUT", `/api/threads/${ids.myThread}/instructions`],
    ["POST", "/api/account/instructions"],
    ["PATCH", "/api/account/instructions"],
    ["DELETE", "/api/account/instructions"],
  ] as const)
    add(`wrong method ${method} ${path.slice(0, 60)}`, method, path, method === "GET" ? undefined : json({}));
  return out;
}

// Multipart bodies built by hand, for the project corpus (the attachments' corpus builds its own).
const mpBoundary = "hostile-project-boundary";
const mpType = `multipart/form-data; boundary=${mpBoundary}`;
const mpEnd = `--${mpBoundary}--\r\n`;
const mpPart = (headers: string, content: string) => `--${mpBoundary}\r\n${headers}\r\n\r\n${content}\r\n`;
const mpFile = (name: string, type: string, bytes: Buffer) =>
  new Uint8Array(
    Buffer.concat([
      Buffer.from(
        `--${mpBoundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: ${type}\r\n\r\n`,
      ),
      bytes,
      Buffer.from(`\r\n${mpEnd}`),
    ]),
  );
// A 1×1 PNG: an image, which a project refuses (415).
const png = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

/** Every project row these people own or could touch, their threads' projects and their personal instructions, as text. */
const snapshotProjectRows = (userIds: string[], projectIds: string[]) =>
  withDb(async (client) => {
    const rows = async (query: string, ...values: unknown[]) =>
      (await client.query(query, values)).rows.map((r) => r.row as string);
    return {
      projects: await rows(
        `select row_to_json(t)::text as row from project t where user_id = any($1) or id = any($2::uuid[]) order by 1`,
        userIds,
        projectIds,
      ),
      files: await rows(
        `select row_to_json(f)::text as row from project_file f where f.project_id = any($1::uuid[]) order by 1`,
        projectIds,
      ),
      chunks: await rows(
        `select (c.file_id || ':' || c.seq) as row from project_chunk c where c.project_id = any($1::uuid[]) order by 1`,
        projectIds,
      ),
      jobs: await rows(
        `select j.file_id::text as row from project_index_job j join project_file f on f.id = j.file_id where f.project_id = any($1::uuid[]) order by 1`,
        projectIds,
      ),
      threads: await rows(
        `select (id || ':' || coalesce(project_id::text, '-')) as row from thread where user_id = any($1) order by 1`,
        userIds,
      ),
      instructions: await rows(
        `select row_to_json(t)::text as row from user_instructions t where user_id = any($1) order by 1`,
        userIds,
      ),
    };
  });

test("project routes: a corpus of hostile requests gets 4xx JSON errors and writes no project, file, passage, thread or instructions", async ({
  playwright,
  baseURL,
}) => {
  test.setTimeout(240_000);
  const me = await apiUser(playwright, baseURL!, "Hostile projects");
  const them = await apiUser(playwright, baseURL!, "Project victim");
  const create = async (who: typeof me, name: string) => {
    const response = await who.request.post("/api/projects", { data: { name, instructions: `${name}: be brief.` } });
    expect(response.status(), await response.text()).toBe(201);
    return (await response.json()).id as string;
  };
  const addFile = async (who: typeof me, project: string, text: string) => {
    const response = await who.request.post(`/api/projects/${project}/files`, {
      multipart: { file: { name: "notes.md", mimeType: "text/markdown", buffer: Buffer.from(text) } },
    });
    expect(response.status(), await response.text()).toBe(201);
    const id = (await response.json()).id as string;
    await expect
      .poll(async () => (await (await who.request.get(`/api/projects/${project}/files/${id}`)).json()).status, {
        timeout: 30_000,
      })
      .toBe("indexed");
    return id;
  };
  const mine = await create(me, "Mine");
  const theirs = await create(them, "Theirs");
  const [myFile, theirFile] = await Promise.all([
    addFile(me, mine, "# Mine\n\nA passage of my own.\n"),
    addFile(them, theirs, "# Theirs\n\nTheir secret passage.\n"),
  ]);
  const myThread = (await (await me.request.post("/api/threads", { data: { title: "mine" } })).json()).id as string;
  const theirThread = (await (await them.request.post("/api/threads", { data: { title: "theirs" } })).json())
    .id as string;
  // Projects at their limits, and one of a workspace where I am a plain member, written as the app would.
  const appEnv = JSON.parse(process.env.E2E_APP_ENV ?? "{}") as Record<string, string | undefined>;
  const maxFiles = Number(appEnv.PROJECT_MAX_FILES ?? 50);
  const maxBytes = Number(appEnv.PROJECT_MAX_BYTES ?? 52_428_800);
  const space = await createWorkspace([{ userId: them.userId, role: "owner" }, { userId: me.userId }]);
  const { full, heavy, membersOnly } = await withDb(async (c) => {
    const project = async (userId: string, name: string, workspaceId: string | null = null) =>
      (
        await c.query(`insert into project (user_id, workspace_id, name) values ($1, $2, $3) returning id`, [
          userId,
          workspaceId,
          name,
        ])
      ).rows[0].id as string;
    const fileRows = (projectId: string, count: number, size: number) =>
      c.query(
        `insert into project_file (project_id, user_id, name, media_type, size, status)
         select $1, $2, 'filler-' || n || '.txt', 'text/plain', $3, 'indexed' from generate_series(1, $4) n`,
        [projectId, me.userId, size, count],
      );
    const full = await project(me.userId, "Full");
    await fileRows(full, maxFiles, 10);
    const heavy = await project(me.userId, "Heavy");
    await fileRows(heavy, 1, maxBytes - 5);
    return { full, heavy, membersOnly: await project(them.userId, "Theirs to edit", space.id) };
  });
  const ids = { mine, myFile, full, heavy, membersOnly, theirs, theirFile, myThread, theirThread };
  const projectIds = [mine, theirs, full, heavy, membersOnly];
  const cookie = cookieHeader(await me.request.storageState());
  const requests = projectCorpus(ids);
  const before = {
    rows: await countRowsOf([me.userId, them.userId]),
    projects: await snapshotProjectRows([me.userId, them.userId], projectIds),
  };
  const { failures, statuses } = await refusedAll(baseURL!, cookie, requests);
  console.log(
    `hostile project corpus: ${requests.length} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
  );
  expect(requests.length).toBeGreaterThanOrEqual(300);
  expect(failures).toEqual([]);
  expect({
    rows: await countRowsOf([me.userId, them.userId]),
    projects: await snapshotProjectRows([me.userId, them.userId], projectIds),
  }).toEqual(before);
  // What they own still reads as it did, to them.
  expect(await (await them.request.get(`/api/projects/${theirs}/files/${theirFile}/passages/1`)).json()).toMatchObject({
    text: expect.stringContaining("Their secret passage."),
  });
  for (const c of [me, them]) await c.request.dispose();
});

test("conversation import: a corpus of hostile files and bodies gets 4xx JSON errors naming the problem, and imports nothing", async ({
  playwright,
  baseURL,
}) => {
  const me = await apiUser(playwright, baseURL!, "Hostile importer");
  const cookie = cookieHeader(await me.request.storageState());
  const at = "/api/account/import";
  const boundary = "hostile-import-boundary";
  const type = `multipart/form-data; boundary=${boundary}`;
  const file = (bytes: string | Uint8Array, name = "conversations.json") =>
    new Uint8Array(
      Buffer.concat([
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/json\r\n\r\n`,
        ),
        Buffer.from(bytes),
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]),
    );
  const loop = simpleChatGpt("Loop", "q", "a");
  (loop.mapping.root as { parent: string }).parent = "a";
  const requests: Bad[] = [
    // The body: multipart only, one file in the field "file" (IMPORT_MAX_BYTES is 8 MiB on this server).
    {
      name: "JSON body",
      method: "POST",
      path: at,
      body: exportJson([simpleChatGpt("x", "q", "a")]),
      contentType: "application/json",
    },
    { name: "zip body", method: "POST", path: at, body: new Uint8Array(exportZip([])), contentType: "application/zip" },
    { name: "no content type", method: "POST", path: at, body: "[]", contentType: null },
    {
      name: "multipart without a boundary",
      method: "POST",
      path: at,
      body: file("[]"),
      contentType: "multipart/form-data",
    },
    { name: "truncated multipart", method: "POST", path: at, body: file("[]").slice(0, -10), contentType: type },
    { name: "empty multipart", method: "POST", path: at, body: `--${boundary}--\r\n`, contentType: type },
    {
      name: "a file in another field",
      method: "POST",
      path: at,
      body: `--${boundary}\r\nContent-Disposition: form-data; name="upload"; filename="c.json"\r\n\r\n[]\r\n--${boundary}--\r\n`,
      contentType: type,
    },
    {
      name: "two files",
      method: "POST",
      path: at,
      body: new Uint8Array(
        Buffer.concat([Buffer.from(file("[]")).subarray(0, -4), Buffer.from("\r\n"), Buffer.from(file("[]"))]),
      ),
      contentType: type,
    },
    {
      name: "over the size limit",
      method: "POST",
      path: at,
      body: file(new Uint8Array(9 * 1024 * 1024).fill(32)),
      contentType: type,
    },
    // The file: told apart by content; malformed or over a limit, refused before anything is written.
    ...(
      [
        ["an empty file", ""],
        ["garbage", new Uint8Array(2048).fill(0xff)],
        ["not a list", json({ conversations: [] })],
        ["an empty list", "[]"],
        ["invalid JSON", "[{]"],
        ["cut short", '[{"title": "x", "mapping": {}}'],
        ["trailing garbage", `${exportJson([simpleChatGpt("x", "q", "a")])} <script>`],
        ["neither app's", json([{ hello: 1 }])],
        ["a conversation that is a number", "[1]"],
        ["a message tree with a loop", exportJson([loop])],
        ["a mapping that is a list", json([{ title: "x", mapping: [] }])],
        ["chat_messages that is not a list", json([{ name: "x", chat_messages: "hi" }])],
        ["nested 10,000 deep", `[${"[".repeat(10_000)}${"]".repeat(10_000)}]`],
        ["a message over MAX_MESSAGE_CHARS", exportJson([simpleChatGpt("Long", "x".repeat(40_000), "a")])],
        ["a conversation of 6,000 messages", exportJson([claudeManyMessages(6_000)])],
        ["a zip without conversations.json", zipSync({ "notes.txt": strToU8("hi") })],
        ["a damaged zip", new Uint8Array([0x50, 0x4b, 3, 4, 9, 9, 9, 9])],
        ["a zip bomb", zipSync({ "conversations.json": new Uint8Array(40_000_000).fill(32) }, { level: 9 })],
        ["a malformed conversations.json in a zip", zipSync({ "conversations.json": strToU8("[{]") })],
        // Each part costs a read and a parser: more than 1000 are refused before any is read.
        [
          "a zip listing 1,001 conversations files",
          zipSync(
            Object.fromEntries(
              Array.from({ length: 1_001 }, (_, i) => [
                `conversations-${String(i).padStart(4, "0")}.json`,
                strToU8("[]"),
              ]),
            ),
            { level: 0 },
          ),
        ],
      ] as const
    ).map(([name, bytes]) => ({
      name: `file: ${name}`,
      method: "POST",
      path: at,
      body: file(bytes),
      contentType: type,
    })),
    ...["GET", "PUT", "PATCH", "DELETE"].map((method) => ({
      name: `wrong method ${method}`,
      method,
      path: at,
      body: method === "GET" ? undefined : "[]",
      contentType: method === "GET" ? null : "application/json",
    })),
  ];
  const { failures, answers } = await refusedAll(baseURL!, cookie, requests);
  expect(failures).toEqual([]);
  // Each refused for what it is, not by the rate limit (this account sends fewer than its limit).
  expect(answers.filter((a) => a.status === 429)).toEqual([]);
  expect(answers.find((a) => a.name === "file: a zip bomb")?.status).toBe(413);
  expect(answers.find((a) => a.name === "over the size limit")?.status).toBe(413);
  expect(answers.find((a) => a.name === "JSON body")?.status).toBe(415);
  expect(await countRowsOf([me.userId])).toMatchObject({ thread: 0, message: 0, conversation_import: 0 });
  // And the account still imports a good file.
  const good = await me.request.post(at, {
    multipart: {
      file: { name: "c.json", mimeType: "application/json", buffer: Buffer.from(exportJson([claudeConversation()])) },
    },
  });
  expect(good.status()).toBe(200);
  expect(await good.text()).toContain('"type":"done"');
  await me.request.dispose();
});

/** A Claude conversation of `n` one-word messages. */
function claudeManyMessages(n: number) {
  return {
    uuid: "many",
    name: "Many",
    chat_messages: Array.from({ length: n }, (_, i) => ({
      uuid: `m${i}`,
      sender: i % 2 ? "assistant" : "human",
      text: "x",
    })),
  };
}

test("Mermaid's build route serves its entry and chunks only: path tricks, other files and other methods get a 4xx, never a byte of another file", async ({
  baseURL,
}) => {
  const at = "/vendor/mermaid";
  // What the route serves: the entry (revalidated by its ETag) and a chunk it imports (cached for good).
  const entry = await rawRequest(baseURL!, "GET", `${at}/mermaid.esm.min.mjs`, {});
  expect(entry.status).toBe(200);
  expect(entry.headers["content-type"]).toBe("text/javascript; charset=utf-8");
  const chunk = /"\.\/(chunks\/mermaid\.esm\.min\/[\w-]+\.mjs)"/.exec(entry.body)![1];
  const chunkResponse = await rawRequest(baseURL!, "GET", `${at}/${chunk}`, {});
  expect(chunkResponse.status).toBe(200);
  expect(chunkResponse.headers["cache-control"]).toContain("immutable");
  const etag = String(entry.headers.etag);
  expect((await rawRequest(baseURL!, "GET", `${at}/mermaid.esm.min.mjs`, { "if-none-match": etag })).status).toBe(304);

  const failures: string[] = [];
  for (const [method, path] of [
    ["GET", `${at}/package.json`],
    ["GET", `${at}/mermaid.esm.min.mjs.map`],
    ["GET", `${at}/mermaid.core.mjs`],
    ["GET", `${at}/${chunk}.map`],
    ["GET", `${at}/chunks/mermaid.esm.min/chunk-NOTTHERE.mjs`],
    ["GET", `${at}/chunks/mermaid.esm.min/${"x".repeat(300)}.mjs`],
    ["GET", `${at}/mermaid.esm.min.mjs%00`],
    ["GET", `${at}/..%2Fpackage.json`],
    ["GET", `${at}/chunks%2F..%2F..%2Fpackage.json`],
    ["GET", `${at}/chunks/mermaid.esm.min/..%2F..%2F..%2Fpackage.json`],
    ["GET", `${at}/chunks/mermaid.esm.min/..%252F..%252F..%252Fpackage.json`],
    ["GET", `${at}/%2e%2e/%2e%2e/%2e%2e/%2e%2e/package.json`],
    ["GET", `${at}/chunks/mermaid.esm.min/..\\..\\..\\package.json`],
    ["GET", `${at}/${"a/".repeat(200)}mermaid.esm.min.mjs`],
    ["POST", `${at}/mermaid.esm.min.mjs`],
    ["PUT", `${at}/mermaid.esm.min.mjs`],
    ["DELETE", `${at}/${chunk}`],
  ]) {
    let response = await rawRequest(baseURL!, method, path, { origin: baseURL! });
    // Next answers `\` with a redirect to its clean form: where it leads is what counts.
    for (let hops = 0; response.status === 308 && hops < 3; hops++)
      response = await rawRequest(baseURL!, method, String(response.headers.location), { origin: baseURL! });
    const problem = (why: string) => failures.push(`${method} ${path.slice(0, 90)} → ${response.status}: ${why}`);
    if (response.status < 400 || response.status >= 500) problem("not a 4xx");
    // Package manifests (mermaid's or the app's) and source maps say these; the route's files never get here.
    if (/"(dependencies|devDependencies|sourcesContent)"/.test(response.body)) problem("another file's bytes");
    if (response.body.length > 0 && response.body === entry.body) problem("the entry under another name");
  }
  expect(failures).toEqual([]);
});
