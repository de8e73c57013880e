import { expect, test, type APIRequestContext } from "@playwright/test";
import { fakeReplyTokens, fakeUsage } from "../support/fake-openai";
import { uniqueEmail } from "../support/unique-email";
import { withDb } from "./db";
import { apiAdmin, apiUser, chatBody, modelRequests, signUp } from "./helpers";
import { startInstance } from "./instances";

const baseURL = () => `http://127.0.0.1:${process.env.E2E_PORT}`;
const thisMonth = () => new Date().toISOString().slice(0, 7);
// The ledger's month, as lib/chat/usage.ts writes it.
const monthSql = `date_trunc('month', now() at time zone 'UTC') at time zone 'UTC'`;

/** A workspace written as better-auth's plugin writes one, with these members (role by user id). */
async function workspaceOf(
  members: [string, "owner" | "admin" | "member"][],
  options: { name?: string; slug?: string; quota?: number | null; databaseUrl?: string } = {},
) {
  const id = crypto.randomUUID().replaceAll("-", "");
  await withDb(async (c) => {
    await c.query(`insert into workspace (id, name, slug, token_quota) values ($1, $2, $3, $4)`, [
      id,
      options.name ?? `Space ${id.slice(0, 6)}`,
      options.slug ?? `space-${id}`,
      options.quota ?? null,
    ]);
    for (const [userId, role] of members)
      await c.query(`insert into workspace_member (id, workspace_id, user_id, role) values ($1, $2, $3, $4)`, [
        crypto.randomUUID(),
        id,
        userId,
        role,
      ]);
  }, options.databaseUrl);
  return id;
}

/** A new thread of the caller's, moved into `workspaceId` (null: left personal). */
async function threadIn(request: APIRequestContext, workspaceId: string | null, title?: string) {
  const thread = (await (await request.post("/api/threads", { data: title ? { title } : {} })).json()) as {
    id: string;
  };
  if (workspaceId)
    await withDb((c) => c.query(`update thread set workspace_id = $1 where id = $2`, [workspaceId, thread.id]));
  return thread.id;
}

const errorOf = async (response: { json: () => Promise<unknown> }) =>
  ((await response.json()) as { error: unknown }).error;

test("a workspace's usage and events: owners and admins read them, a member gets 403, anyone else 404; a reply and its title count in both ledgers", async ({
  playwright,
}) => {
  const owner = await apiUser(playwright, baseURL(), "Alpha Owner");
  const admin = await apiUser(playwright, baseURL(), "Bravo Admin");
  const member = await apiUser(playwright, baseURL(), "Charlie Member");
  const outsider = await apiUser(playwright, baseURL(), "Outsider");
  const instanceAdmin = await apiAdmin(playwright, baseURL());
  const clients = [owner, admin, member, outsider, instanceAdmin];
  try {
    const ws = await workspaceOf([
      [owner.userId, "owner"],
      [admin.userId, "admin"],
      [member.userId, "member"],
    ]);
    const secret = `Usage secret ${Date.now()}`;
    const threadId = await threadIn(owner.request, ws);
    const reply = await owner.request.post("/api/chat", { data: chatBody(threadId, secret) });
    expect(reply.status()).toBe(200);
    await reply.body();
    const tokens = fakeUsage(secret, fakeReplyTokens(secret), false);
    await expect
      .poll(() =>
        withDb(
          async (c) => (await c.query(`select messages from workspace_usage_month where workspace_id = $1`, [ws])).rows,
        ),
      )
      .toEqual([{ messages: 1 }]);
    // Its title is a model call in the workspace too (the fake answers with 1 token in, 1 out): tokens, no message.
    expect((await owner.request.post(`/api/threads/${threadId}/title`)).status()).toBe(200);
    const used = tokens.input + 1 + tokens.output + 1;

    const expected = {
      month: thisMonth(),
      quota: null,
      used,
      members: [
        { userId: owner.userId, name: "Alpha Owner", messages: 1, tokens: used },
        { userId: admin.userId, name: "Bravo Admin", messages: 0, tokens: 0 },
        { userId: member.userId, name: "Charlie Member", messages: 0, tokens: 0 },
      ],
    };
    for (const manager of [owner, admin]) {
      const response = await manager.request.get(`/api/workspaces/${ws}/usage`);
      expect(response.status()).toBe(200);
      const text = await response.text();
      expect(JSON.parse(text)).toEqual(expected);
      expect(text).not.toContain(threadId);
      expect(text).not.toContain(secret);
    }
    // The person's own month has it too.
    const personal = await withDb(
      async (c) =>
        (
          await c.query(
            `select sum(messages)::int as messages, sum(input_tokens + output_tokens)::int as tokens
             from usage_month where user_id = $1`,
            [owner.userId],
          )
        ).rows[0],
    );
    expect(personal).toEqual({ messages: 1, tokens: used });

    const asMember = await member.request.get(`/api/workspaces/${ws}/usage`);
    expect(asMember.status()).toBe(403);
    expect(await errorOf(asMember)).toMatchObject({ code: "forbidden" });
    for (const stranger of [outsider, instanceAdmin]) {
      const response = await stranger.request.get(`/api/workspaces/${ws}/usage`);
      expect(response.status()).toBe(404);
      expect(await errorOf(response)).toMatchObject({ code: "not_found", message: "Workspace not found." });
    }
    expect((await owner.request.get(`/api/workspaces/not%20an%20id/usage`)).status()).toBe(404);

    // The workspace's events: its own only, without where they came from.
    await withDb(async (c) => {
      for (const [action, detail, minutesAgo] of [
        ["workspace_member_role_changed", { from: "member", to: "admin" }, 1],
        ["workspace_quota_changed", { tokens: 5000 }, 0],
      ] as const)
        await c.query(
          `insert into audit_event (at, action, outcome, actor_id, actor_email, address, user_agent, detail, workspace_id)
           values (now() - make_interval(mins => $5), $1, 'success', $2, 'alpha@example.com', '198.51.100.7', 'Secret Agent/1.0', $3, $4)`,
          [action, owner.userId, JSON.stringify(detail), ws, minutesAgo],
        );
      await c.query(
        `insert into audit_event (action, outcome, actor_id, workspace_id) values ('workspace_renamed', 'success', $1, $2)`,
        [outsider.userId, await workspaceOf([[outsider.userId, "owner"]])],
      );
    });
    for (const manager of [owner, admin]) {
      const response = await manager.request.get(`/api/workspaces/${ws}/audit`);
      expect(response.status()).toBe(200);
      const body = await response.json();
      expect(body).toEqual({
        events: [
          {
            id: expect.any(String),
            at: expect.any(String),
            action: "workspace_quota_changed",
            outcome: "success",
            actorEmail: "alpha@example.com",
            targetEmail: null,
            detail: { tokens: 5000 },
          },
          expect.objectContaining({ action: "workspace_member_role_changed", detail: { from: "member", to: "admin" } }),
        ],
        nextCursor: null,
      });
      expect(JSON.stringify(body)).not.toMatch(/198\.51\.100\.7|Secret Agent/);
    }
    expect((await member.request.get(`/api/workspaces/${ws}/audit`)).status()).toBe(403);
    for (const stranger of [outsider, instanceAdmin])
      expect((await stranger.request.get(`/api/workspaces/${ws}/audit`)).status()).toBe(404);
    const badCursor = await owner.request.get(`/api/workspaces/${ws}/audit?after=garbage`);
    expect(badCursor.status()).toBe(400);
    expect(await errorOf(badCursor)).toMatchObject({ code: "bad_request", message: /after/ });
  } finally {
    for (const client of clients) await client.request.dispose();
  }
});

test("a workspace's quota: once used up, its threads get 429 before the model is called (chat and title); another workspace and the personal space go on", async ({
  playwright,
}) => {
  const person = await apiUser(playwright, baseURL(), "Quota member");
  try {
    const full = await workspaceOf([[person.userId, "member"]], { name: "Full Space", quota: 50 });
    const roomy = await workspaceOf([[person.userId, "member"]], { quota: 50 });
    await withDb((c) =>
      c.query(
        `insert into workspace_usage_month (workspace_id, user_id, month, messages, input_tokens, output_tokens)
         values ($1, $2, ${monthSql}, 1, 30, 20)`,
        [full, person.userId],
      ),
    );
    const inFull = await threadIn(person.request, full);
    const inRoomy = await threadIn(person.request, roomy);
    const personal = await threadIn(person.request, null);

    const refusedText = `Over the workspace quota ${Date.now()}`;
    const refused = await person.request.post("/api/chat", { data: chatBody(inFull, refusedText) });
    expect(refused.status()).toBe(429);
    expect(Number(refused.headers()["retry-after"])).toBeGreaterThan(0);
    expect(await errorOf(refused)).toMatchObject({
      code: "quota_exceeded",
      message: expect.stringMatching(
        /^The workspace "Full Space" has used its quota of 50 tokens for this month\. The workspace quota resets on \d{4}-\d{2}-01 \(UTC\)\.$/,
      ),
    });

    // The title of a thread whose first message is stored: refused the same way, and left untitled.
    const titleText = `Title over the quota ${Date.now()}`;
    expect(
      (
        await person.request.post(`/api/threads/${inFull}/messages`, {
          data: {
            id: "m-first",
            parentId: null,
            format: "ai-sdk/v6",
            content: { role: "user", parts: [{ type: "text", text: titleText }] },
          },
        })
      ).status(),
    ).toBe(204);
    const title = await person.request.post(`/api/threads/${inFull}/title`);
    expect(title.status()).toBe(429);
    expect(await errorOf(title)).toMatchObject({ code: "quota_exceeded", message: /workspace quota/ });
    expect((await (await person.request.get(`/api/threads/${inFull}`)).json()).title).toBeNull();
    // Other tests share the fake model: look for these texts, not at a count.
    const sent = await modelRequests();
    expect(sent.some((t) => t.includes(refusedText) || t.includes(titleText))).toBe(false);

    for (const threadId of [inRoomy, personal]) {
      const ok = await person.request.post("/api/chat", { data: chatBody(threadId, "Still answered") });
      expect(ok.status()).toBe(200);
      await ok.body();
    }
  } finally {
    await person.request.dispose();
  }
});

test("instance admins: the workspaces table (counts, never a thread) and who can create workspaces, on /admin and through the API; users are refused", async ({
  browser,
  playwright,
}) => {
  const app = await startInstance("workspace-admin", {}, { freshDatabase: true });
  const adminContext = await browser.newContext({ baseURL: app.url });
  try {
    const adminPage = await adminContext.newPage();
    await signUp(adminPage, "Instance Admin", uniqueEmail("instance-admin"));
    const user = await apiUser(playwright, app.url, "Plain user");

    for (const [method, path, data] of [
      ["GET", "/api/admin/workspaces", undefined],
      ["GET", "/api/admin/workspace-creation", undefined],
      ["PUT", "/api/admin/workspace-creation", { mode: "everyone" }],
    ] as const) {
      const refused = await user.request.fetch(path, { method, data });
      expect(refused.status(), `${method} ${path}`).toBe(403);
      expect(await errorOf(refused)).toMatchObject({ code: "forbidden" });
    }

    const ws = await workspaceOf([[user.userId, "owner"]], {
      name: "Research Lab",
      slug: "research-lab",
      databaseUrl: app.databaseUrl,
    });
    const thread = (await (await user.request.post("/api/threads", { data: { title: "Secret merger plans" } })).json())
      .id as string;
    await withDb(async (c) => {
      await c.query(`update thread set workspace_id = $1 where id = $2`, [ws, thread]);
      await c.query(
        `insert into workspace_usage_month (workspace_id, user_id, month, messages, input_tokens, output_tokens)
         values ($1, $2, ${monthSql}, 3, 70, 30)`,
        [ws, user.userId],
      );
    }, app.databaseUrl);

    const listed = await adminPage.request.get("/api/admin/workspaces");
    expect(listed.status()).toBe(200);
    const listedText = await listed.text();
    expect(JSON.parse(listedText)).toEqual({
      workspaces: [
        {
          id: ws,
          name: "Research Lab",
          slug: "research-lab",
          members: 1,
          messages: 3,
          tokens: 100,
          createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        },
      ],
    });
    expect(listedText).not.toContain("Secret merger");
    expect(listedText).not.toContain(thread);

    await adminPage.goto("/admin");
    const table = adminPage.getByRole("table", { name: "Workspaces" });
    await expect(table.getByRole("row").filter({ hasText: "research-lab" })).toHaveText(
      new RegExp(`Research Lab\\s*research-lab\\s*1\\s*3\\s*100\\s*${new Date().toISOString().slice(0, 7)}`),
    );
    expect(await adminPage.content()).not.toContain("Secret merger plans");

    // Who can create workspaces: from the environment, then the admin's choice, then reset.
    expect(await (await adminPage.request.get("/api/admin/workspace-creation")).json()).toEqual({
      mode: "everyone",
      source: "environment",
    });
    const setting = adminPage.getByRole("combobox", { name: "Who can create workspaces" });
    await expect(setting).toHaveValue("everyone");
    await expect(setting).toBeEnabled();
    await setting.selectOption({ label: "Admins only" });
    await expect(adminPage.getByText("Set here; WORKSPACE_CREATION says everyone.")).toBeVisible();
    expect(await (await adminPage.request.get("/api/admin/workspace-creation")).json()).toEqual({
      mode: "admins",
      source: "admin",
    });
    const stored = await withDb(
      async (c) =>
        (await c.query(`select value from instance_setting where key = 'workspace_creation'`)).rows[0]?.value,
      app.databaseUrl,
    );
    expect(stored).toBe("admins");

    // The change is in the audit log, readable, and its action is in the filter.
    await adminPage.goto("/admin?action=workspace_creation_changed");
    await expect(
      adminPage.locator('select[name="action"] option', { hasText: "Member left the workspace" }),
    ).toHaveCount(1);
    const audit = adminPage.getByRole("table", { name: "Audit events" });
    await expect(audit.getByRole("row").filter({ hasText: "Who can create workspaces changed" })).toContainText(
      "mode: admins",
    );

    await adminPage.goto("/admin");
    await adminPage
      .getByRole("region", { name: "Workspace creation" })
      .getByRole("button", { name: "Reset to the environment" })
      .click();
    await expect(
      adminPage.getByRole("region", { name: "Workspace creation" }).getByText("From WORKSPACE_CREATION"),
    ).toBeVisible();
    expect(await (await adminPage.request.get("/api/admin/workspace-creation")).json()).toEqual({
      mode: "everyone",
      source: "environment",
    });

    // The API directly: set, then reset with null; anything else is a 400.
    const put = (data: unknown) =>
      adminPage.request.put("/api/admin/workspace-creation", { data, headers: { origin: app.url } });
    expect(await (await put({ mode: "admins" })).json()).toEqual({ mode: "admins", source: "admin" });
    expect((await put({ mode: "nobody" })).status()).toBe(400);
    expect(await (await put({ mode: null })).json()).toEqual({ mode: "everyone", source: "environment" });
    await user.request.dispose();
  } finally {
    await adminContext.close();
    await app.stop();
  }
});
