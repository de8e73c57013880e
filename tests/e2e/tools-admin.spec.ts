import { expect, test, type Browser, type BrowserContext } from "@playwright/test";
import { apiUser, signUp } from "./helpers";
import { withDb } from "./db";
import { startInstance } from "./instances";
import { startMcpServer, type TestMcpServer } from "../support/mcp-server";
import { authorizeInBrowser, startMcpOAuthIssuer } from "../support/mcp-oauth";
import { uniqueEmail } from "../support/unique-email";

/*
 * The operator's side of tools (MCP) on /admin, and a person's own connections on /account, each on
 * an instance of its own (fresh database: servers are instance-wide, and the first account is its
 * admin) that may reach test servers on 127.0.0.1 (MCP_ALLOWED_HOSTS).
 */

type App = Awaited<ReturnType<typeof startInstance>>;

async function freshInstance(label: string): Promise<App> {
  return startInstance(label, { MCP_ALLOWED_HOSTS: "127.0.0.1" }, { freshDatabase: true });
}

/** A browser page signed in as the instance's first account (its admin). */
async function adminPage(browser: Browser, app: App) {
  const context = await browser.newContext({ baseURL: app.url });
  const page = await context.newPage();
  await signUp(page, "Operator", uniqueEmail("operator"));
  return { context, page };
}

const sharedToken = "shared-token-never-shown-0123456789";

test("an admin connects an MCP server, refreshes its tools and offers one with policy Allow; a person sees only that; a non-admin gets 403 from every admin route", async ({
  browser,
  playwright,
}) => {
  test.setTimeout(120_000);
  const mcp = await startMcpServer({ auth: { bearer: sharedToken }, identityHeader: "X-Person-Id" });
  const app = await freshInstance("tools-admin");
  const { context, page } = await adminPage(browser, app);
  try {
    // With no tool anyone may use, the composer has no Tools menu.
    await expect(page.getByRole("textbox", { name: "Message" })).toBeVisible();
    await expect(page.getByRole("button", { name: "Tools", exact: true })).toHaveCount(0);
    await page.goto("/admin");
    const tools = page.getByRole("region", { name: "Tools" });
    await expect(tools.getByText("No MCP servers connected.")).toBeVisible();
    const form = tools.getByRole("form", { name: "Connect an MCP server" });

    // Addresses inside the network are refused before anything is saved (only 127.0.0.1 is listed here).
    for (const url of ["https://169.254.169.254/latest/meta-data/", "https://[::1]/mcp", "http://10.0.0.1/mcp"]) {
      await form.getByLabel("Name").fill("Inward");
      await form.getByLabel("URL").fill(url);
      await form.getByRole("button", { name: "Connect server" }).click();
      await expect(form.getByRole("alert")).toBeVisible();
    }
    await expect(tools.getByRole("region", { name: "Inward" })).toHaveCount(0);

    await form.getByLabel("Name").fill("Test tools");
    await form.getByLabel("URL").fill(mcp.url);
    await form.getByLabel("Description").fill("Echo and friends, for the tests.");
    await form.getByLabel("Authentication").selectOption({ label: "Shared token" });
    await form.getByLabel("Shared token").fill(sharedToken);
    await form.getByLabel("Identity header").fill("X-Person-Id");
    await form.getByRole("radio", { name: "Everyone" }).check();
    await form.getByRole("button", { name: "Connect server" }).click();
    await expect(form.getByRole("status")).toContainText("Test tools is connected");

    const server = tools.getByRole("region", { name: "Test tools" });
    await expect(server.getByText("OK", { exact: true })).toBeVisible();
    const echo = server.getByRole("row", { name: /Echo/ });
    await expect(echo).toBeVisible();
    await expect(echo.getByRole("checkbox", { name: "Offered" })).not.toBeChecked();
    await expect(echo.getByRole("combobox", { name: "Policy" })).toHaveValue("ask");
    // The token went one way: the page says it is set, never what it is.
    expect(await page.content()).not.toContain(sharedToken);
    await expect(server).toContainText("token set");

    await server.getByRole("button", { name: "Refresh tools" }).click();
    await expect(server.getByRole("status")).toContainText("Tools refreshed");
    await expect(server.getByText("OK", { exact: true })).toBeVisible();

    await echo.getByRole("checkbox", { name: "Offered" }).check();
    await expect(echo.getByRole("checkbox", { name: "Offered" })).toBeChecked();
    await expect(echo.getByRole("checkbox", { name: "Offered" })).toBeEnabled();
    await echo.getByRole("combobox", { name: "Policy" }).selectOption({ label: "Allow" });
    await expect(echo.getByRole("combobox", { name: "Policy" })).toHaveValue("allow");
    await expect(echo.getByRole("combobox", { name: "Policy" })).toBeEnabled();

    // Offered now: the chat has the Tools menu.
    await page.goto("/");
    await expect(page.getByRole("button", { name: "Tools", exact: true })).toBeVisible();
    await page.goto("/admin");

    // Stored: the page read again shows the same.
    await page.reload();
    await expect(echo.getByRole("checkbox", { name: "Offered" })).toBeChecked();
    await expect(echo.getByRole("combobox", { name: "Policy" })).toHaveValue("allow");
    await expect(server.getByRole("row", { name: /Adds two numbers/ }).getByRole("checkbox")).not.toBeChecked();

    // The API says the same, and never the secret.
    const listed = await page.request.get("/api/admin/mcp-servers");
    expect(listed.status()).toBe(200);
    const listedText = await listed.text();
    expect(listedText).not.toContain(sharedToken);
    const [view] = (JSON.parse(listedText) as { servers: Record<string, unknown>[] }).servers;
    expect(view).toMatchObject({
      name: "Test tools",
      url: mcp.url,
      auth: "shared",
      hasSharedToken: true,
      identityHeader: "X-Person-Id",
      audience: "everyone",
      enabled: true,
      status: "ok",
    });
    expect(view).not.toHaveProperty("sharedToken");
    expect((view.tools as { name: string; offered: boolean; policy: string }[]).find((t) => t.name === "echo")).toEqual(
      expect.objectContaining({ offered: true, policy: "allow" }),
    );
    // Stored encrypted, not as typed.
    const stored = await withDb(
      async (c) =>
        (await c.query(`select shared_token from mcp_server where name = 'Test tools'`)).rows[0].shared_token as string,
      app.databaseUrl,
    );
    expect(stored).toMatch(/^v1\./);
    expect(stored).not.toContain(sharedToken);

    // A person (not an admin): every admin route is 403, and their thread offers the one tool, as Allow.
    const person = await apiUser(playwright, app.url, "Person");
    const serverId = view.id as string;
    for (const [method, path, data] of [
      ["GET", "/api/admin/mcp-servers", undefined],
      ["POST", "/api/admin/mcp-servers", { name: "Mine", url: mcp.url, auth: "none" }],
      ["PATCH", `/api/admin/mcp-servers/${serverId}`, { enabled: false }],
      ["POST", `/api/admin/mcp-servers/${serverId}/refresh`, undefined],
      ["DELETE", `/api/admin/mcp-servers/${serverId}`, undefined],
    ] as const) {
      const response = await person.request.fetch(path, { method, data });
      expect(response.status(), `${method} ${path}`).toBe(403);
      expect((await response.json()).error.code).toBe("forbidden");
    }
    const thread = await (await person.request.post("/api/threads", { data: { title: "with tools" } })).json();
    const offered = await person.request.get(`/api/threads/${thread.id}/tools`);
    expect(offered.status()).toBe(200);
    const offeredText = await offered.text();
    expect(offeredText).not.toContain(sharedToken);
    expect(JSON.parse(offeredText)).toEqual({
      servers: [
        expect.objectContaining({
          id: serverId,
          name: "Test tools",
          auth: "shared",
          needsSignIn: false,
          tools: [expect.objectContaining({ name: "echo", policy: "allow", enabled: false, alwaysAllow: false })],
        }),
      ],
    });
    const switched = await person.request.put(`/api/threads/${thread.id}/tools`, {
      data: { serverId, tool: "echo", enabled: true },
    });
    expect(switched.status()).toBe(200);
    expect(await switched.json()).toEqual({ tool: { name: "echo", enabled: true, alwaysAllow: false } });
    // A tool that is not offered is not there for them.
    expect(
      (
        await person.request.put(`/api/threads/${thread.id}/tools`, { data: { serverId, tool: "add", enabled: true } })
      ).status(),
    ).toBe(404);
    await person.request.dispose();

    // A server that does not answer is saved as failing, with the reason.
    await form.getByLabel("Name").fill("Gone");
    await form.getByLabel("URL").fill("http://127.0.0.1:9/mcp");
    await form.getByLabel("Authentication").selectOption({ label: "None" });
    await form.getByRole("button", { name: "Connect server" }).click();
    const gone = tools.getByRole("region", { name: "Gone" });
    await expect(gone.getByText(/^Failing: /)).toBeVisible();

    // Delete server: gone from the page and the API.
    page.once("dialog", (dialog) => void dialog.accept());
    await gone.getByRole("button", { name: "Delete server" }).click();
    await expect(gone).toHaveCount(0);
    const names = (
      (await (await page.request.get("/api/admin/mcp-servers")).json()) as { servers: { name: string }[] }
    ).servers.map((s) => s.name);
    expect(names).toEqual(["Test tools"]);

    // The admin's actions are audit events, without the token.
    const audit = await page.request.get("/api/admin/audit?action=mcp_server_created");
    expect(audit.status()).toBe(200);
    const auditText = await audit.text();
    expect(auditText).not.toContain(sharedToken);
    expect((JSON.parse(auditText) as { events: unknown[] }).events.length).toBe(2);
  } finally {
    await context.close();
    await app.stop();
    await mcp.stop();
  }
});

test("a person saves their own access token for a per-person server on /account, never sees it again, and removes it", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const personToken = "person-token-0123456789-secret";
  const mcp = await startMcpServer({ auth: { bearer: personToken } });
  const app = await freshInstance("tools-account");
  const { context: adminContext, page: admin } = await adminPage(browser, app);
  const context = await browser.newContext({ baseURL: app.url });
  try {
    // The admin lists the server's tools with their own token first (a per-person server is listed with the admin's credential).
    const created = await admin.request.post("/api/admin/mcp-servers", {
      data: { name: "Personal tools", url: mcp.url, auth: "per_person" },
      headers: { origin: app.url },
    });
    expect(created.status(), await created.text()).toBe(201);
    const serverId = ((await created.json()) as { server: { id: string } }).server.id;
    expect(
      (
        await admin.request.put(`/api/tool-connections/${serverId}`, {
          data: { token: personToken },
          headers: { origin: app.url },
        })
      ).status(),
    ).toBe(200);
    const refreshed = await admin.request.post(`/api/admin/mcp-servers/${serverId}/refresh`, {
      headers: { origin: app.url },
    });
    expect(refreshed.status()).toBe(200);
    expect(((await refreshed.json()) as { server: { status: string } }).server.status).toBe("ok");
    expect(
      (
        await admin.request.patch(`/api/admin/mcp-servers/${serverId}`, {
          data: { tools: [{ name: "echo", offered: true }] },
          headers: { origin: app.url },
        })
      ).status(),
    ).toBe(200);

    const page = await context.newPage();
    await signUp(page, "Person", uniqueEmail("person"));
    const thread = await (
      await page.request.post("/api/threads", { data: { title: "t" }, headers: { origin: app.url } })
    ).json();
    const needsSignIn = async () =>
      (
        (await (await page.request.get(`/api/threads/${thread.id}/tools`)).json()) as {
          servers: { needsSignIn: boolean }[];
        }
      ).servers[0].needsSignIn;
    expect(await needsSignIn()).toBe(true);

    await page.goto("/account#tools");
    const section = page.getByRole("region", { name: "Connected tools" });
    await expect(section).toBeVisible();
    await expect(page.locator("#tools")).toBeVisible();
    const item = section.getByRole("listitem").filter({ hasText: "Personal tools" });
    // Where a pasted token goes is said next to the server's name.
    await expect(item).toContainText(`Personal tools (${new URL(mcp.url).host})`);
    await expect(item).toContainText("Not connected");
    await expect(item.getByRole("button", { name: "Disconnect" })).toHaveCount(0);

    await item.getByLabel("Access token").fill(personToken);
    await item.getByRole("button", { name: "Save token" }).click();
    await expect(section.getByRole("status")).toHaveText("Token for Personal tools saved.");
    await expect(item).toContainText("Connected (access token)");
    await expect(item.getByLabel("Access token")).toHaveValue("");
    expect(await needsSignIn()).toBe(false);

    // Read again: still connected, and the token is nowhere in the page or the API.
    await page.reload();
    await expect(item).toContainText("Connected (access token)");
    expect(await page.content()).not.toContain(personToken);
    const connections = await page.request.get("/api/tool-connections");
    const connectionsText = await connections.text();
    expect(connectionsText).not.toContain(personToken);
    expect(JSON.parse(connectionsText)).toEqual({
      servers: [expect.objectContaining({ id: serverId, name: "Personal tools", connected: true, method: "token" })],
    });
    const secrets = await withDb(
      async (c) =>
        (await c.query(`select secret from mcp_credential where server_id = $1`, [serverId])).rows.map(
          (r) => r.secret as string,
        ),
      app.databaseUrl,
    );
    expect(secrets).toHaveLength(2);
    for (const secret of secrets) {
      expect(secret).toMatch(/^v1\./);
      expect(secret).not.toContain(personToken);
    }

    await item.getByRole("button", { name: "Disconnect" }).click();
    await expect(section.getByRole("status")).toHaveText("Personal tools disconnected.");
    await expect(item).toContainText("Not connected");
    expect(await needsSignIn()).toBe(true);
    expect((await (await page.request.get("/api/tool-connections")).json()).servers[0].connected).toBe(false);
    // Removing again: there is nothing to remove.
    expect(
      (await page.request.delete(`/api/tool-connections/${serverId}`, { headers: { origin: app.url } })).status(),
    ).toBe(404);
  } finally {
    await context.close();
    await adminContext.close();
    await app.stop();
    await mcp.stop();
  }
});

test("OAuth sign-in to a per-person server: the callback finishes only the caller's own flow, once", async ({
  browser,
  playwright,
}) => {
  test.setTimeout(120_000);
  const issuer = await startMcpOAuthIssuer();
  const mcp: TestMcpServer = await startMcpServer({ auth: { oauth: issuer.issuer } });
  const app = await freshInstance("tools-oauth");
  const { context: adminContext, page: admin } = await adminPage(browser, app);
  try {
    const created = await admin.request.post("/api/admin/mcp-servers", {
      // No client ID: the app registers itself with the provider (dynamic client registration).
      data: { name: "OAuth tools", url: mcp.url, auth: "per_person" },
      headers: { origin: app.url },
    });
    expect(created.status(), await created.text()).toBe(201);
    const serverId = ((await created.json()) as { server: { id: string } }).server.id;

    const alice = await apiUser(playwright, app.url, "Alice");
    const mallory = await apiUser(playwright, app.url, "Mallory");
    expect((await (await alice.request.get("/api/tool-connections")).json()).servers).toEqual([
      expect.objectContaining({ id: serverId, connected: false, oauth: true }),
    ]);

    const started = await alice.request.post(`/api/tool-connections/${serverId}/oauth`);
    expect(started.status(), await started.text()).toBe(200);
    const { authorizationUrl } = (await started.json()) as { authorizationUrl: string };
    const authorization = new URL(authorizationUrl);
    expect(authorization.searchParams.get("code_challenge_method")).toBe("S256");
    // One redirect URI per server: a code can only come back naming the server it is for.
    expect(authorization.searchParams.get("redirect_uri")).toBe(
      `${app.url}/api/tool-connections/oauth/callback?server=${serverId}`,
    );
    // The provider signs Alice in and sends her back with a code (followed by hand, as a browser would).
    const { url: back } = await authorizeInBrowser(authorizationUrl);
    expect(back.pathname).toBe("/api/tool-connections/oauth/callback");
    expect(back.searchParams.get("server")).toBe(serverId);
    const callback = `${back.pathname}${back.search}`;

    // Mallory holds Alice's callback address (a leaked link): it is not her flow.
    const stolen = await mallory.request.get(callback, { maxRedirects: 0 });
    expect(stolen.status()).toBe(303);
    expect(stolen.headers()["location"]).toBe("/account?tools=failed#tools");
    expect((await (await mallory.request.get("/api/tool-connections")).json()).servers[0].connected).toBe(false);
    // Signed out: no session, no flow.
    const anonymous = await playwright.request.newContext({ baseURL: app.url });
    expect((await anonymous.get(callback, { maxRedirects: 0 })).status()).toBe(401);
    await anonymous.dispose();

    const finished = await alice.request.get(callback, { maxRedirects: 0 });
    expect(finished.status()).toBe(303);
    expect(finished.headers()["location"]).toBe("/account?tools=connected#tools");
    expect(finished.headers()["cache-control"]).toContain("no-store");
    expect((await (await alice.request.get("/api/tool-connections")).json()).servers).toEqual([
      expect.objectContaining({ id: serverId, connected: true, method: "oauth" }),
    ]);
    // Once: the same address again does nothing.
    const again = await alice.request.get(callback, { maxRedirects: 0 });
    expect(again.headers()["location"]).toBe("/account?tools=failed#tools");
    expect((await (await mallory.request.get("/api/tool-connections")).json()).servers[0].connected).toBe(false);

    // The account page says how it went.
    const page = await adminContext.newPage();
    await page.goto("/account?tools=failed#tools");
    await expect(page.getByRole("region", { name: "Connected tools" }).getByRole("alert")).toContainText(
      "did not work",
    );
    await expect(page).toHaveURL(/\/account#tools$/);
    for (const client of [alice, mallory]) await client.request.dispose();
  } finally {
    await adminContext.close();
    await app.stop();
    await mcp.stop();
    await issuer.stop();
  }
});

test("an admin edits a server on /admin: its description, and its audience to one listed workspace; a person outside it loses the tool, a member keeps it", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const mcp = await startMcpServer();
  const app = await freshInstance("tools-edit");
  const { context, page } = await adminPage(browser, app);
  const others: BrowserContext[] = [];
  const dialogs: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  /** A signed-in person on this instance, and the servers and tools a new thread of theirs offers. */
  const person = async (name: string) => {
    const other = await browser.newContext({ baseURL: app.url });
    others.push(other);
    const personPage = await other.newPage();
    const email = await signUp(personPage, name, uniqueEmail(name.toLowerCase()));
    const toolNames = async () => {
      const thread = await personPage.request.post("/api/threads", {
        data: { title: "t" },
        headers: { origin: app.url },
      });
      expect(thread.status(), await thread.text()).toBe(201);
      const { id } = (await thread.json()) as { id: string };
      const response = await personPage.request.get(`/api/threads/${id}/tools`);
      expect(response.status()).toBe(200);
      return ((await response.json()) as { servers: { name: string; tools: { name: string }[] }[] }).servers.map(
        (s) => `${s.name}/${s.tools.map((t) => t.name).join(",")}`,
      );
    };
    return { page: personPage, email, toolNames };
  };
  try {
    const created = await page.request.post("/api/admin/mcp-servers", {
      data: { name: "Team tools", url: mcp.url, auth: "none", description: "Before the edit." },
      headers: { origin: app.url },
    });
    expect(created.status(), await created.text()).toBe(201);
    const serverId = ((await created.json()) as { server: { id: string } }).server.id;
    const offered = await page.request.patch(`/api/admin/mcp-servers/${serverId}`, {
      data: { tools: [{ name: "echo", offered: true }] },
      headers: { origin: app.url },
    });
    expect(offered.status(), await offered.text()).toBe(200);

    // A workspace the admin makes (and owns), and a person who joins it through an invitation.
    const workspace = await page.request.post("/api/workspaces", {
      data: { name: "Tool users", slug: `tool-users-${Date.now().toString(36)}` },
      headers: { origin: app.url },
    });
    expect(workspace.status(), await workspace.text()).toBe(201);
    const workspaceId = ((await workspace.json()) as { id: string }).id;
    const member = await person("Member");
    await withDb(
      (c) => c.query(`update "user" set email_verified = true where email = $1`, [member.email]),
      app.databaseUrl,
    );
    await expect
      .poll(async () => (await (await member.page.request.get("/api/auth/get-session")).json())?.user?.emailVerified)
      .toBe(true);
    const invited = await page.request.post(`/api/workspaces/${workspaceId}/invitations`, {
      data: { email: member.email, role: "member" },
      headers: { origin: app.url },
    });
    expect(invited.status(), await invited.text()).toBe(201);
    const { invitation } = (await invited.json()) as { invitation: { id: string } };
    const accepted = await member.page.request.post(`/api/invitations/${invitation.id}/accept`, {
      headers: { origin: app.url },
    });
    expect(accepted.status(), await accepted.text()).toBe(200);
    // The member works in the workspace (their new threads are its threads) once the app sees it.
    const switched = await member.page.request.put("/api/workspaces/active", {
      data: { workspaceId },
      headers: { origin: app.url },
    });
    expect(switched.status(), await switched.text()).toBe(200);
    await expect
      .poll(
        async () =>
          ((await (await member.page.request.get("/api/threads?limit=1")).json()) as { workspaceId: unknown })
            .workspaceId,
      )
      .toBe(workspaceId);
    const outsider = await person("Outsider");

    // Everyone may use it so far.
    expect(await outsider.toolNames()).toEqual(["Team tools/echo"]);
    expect(await member.toolNames()).toEqual(["Team tools/echo"]);

    await page.goto("/admin");
    const server = page.getByRole("region", { name: "Tools" }).getByRole("region", { name: "Team tools" });
    await expect(server).toContainText("Before the edit.");

    // Cancel leaves everything as it was.
    await server.getByRole("button", { name: "Edit server" }).click();
    const form = server.getByRole("form", { name: "Edit Team tools" });
    await expect(form.getByLabel("URL")).toHaveValue(mcp.url);
    await expect(form.getByLabel("Description")).toHaveValue("Before the edit.");
    await expect(form.getByLabel("Authentication")).toHaveValue("none");
    await expect(form.getByRole("radio", { name: "Everyone" })).toBeChecked();
    await form.getByLabel("Description").fill("Never saved.");
    await form.getByRole("button", { name: "Cancel" }).click();
    await expect(form).toHaveCount(0);
    await expect(server).toContainText("Before the edit.");

    // A new address is confirmed first, with what it deletes; dismissed, nothing is sent.
    await server.getByRole("button", { name: "Edit server" }).click();
    await expect(form.getByLabel("Description")).toHaveValue("Before the edit.");
    await form.getByLabel("URL").fill(`${mcp.url}/elsewhere`);
    await form.getByRole("button", { name: "Save changes" }).click();
    await expect.poll(() => dialogs.length).toBe(1);
    expect(dialogs[0]).toContain("deletes");
    expect(dialogs[0]).toContain("connection");
    await expect(form).toBeVisible();
    await form.getByLabel("URL").fill(mcp.url);

    // Description and audience: no confirmation (the tools and connections stay).
    await form.getByLabel("Description").fill("Only for the tool users.");
    await form.getByRole("radio", { name: "Listed workspaces" }).check();
    await form.getByRole("checkbox", { name: "Tool users" }).check();
    await form.getByRole("button", { name: "Save changes" }).click();
    await expect(server.getByRole("status")).toContainText("Changes to Team tools saved.");
    await expect(form).toHaveCount(0);
    expect(dialogs).toHaveLength(1);
    await expect(server).toContainText("Only for the tool users.");
    await expect(server).toContainText("Listed workspaces: Tool users");
    await expect(server.getByRole("row", { name: /Echo/ }).getByRole("checkbox", { name: "Offered" })).toBeChecked();

    // Stored: the page read again, and the API, say the same.
    await page.reload();
    await expect(server).toContainText("Only for the tool users.");
    await expect(server).toContainText("Listed workspaces: Tool users");
    const view = (
      (await (await page.request.get("/api/admin/mcp-servers")).json()) as { servers: Record<string, unknown>[] }
    ).servers[0];
    expect(view).toMatchObject({
      url: mcp.url,
      description: "Only for the tool users.",
      audience: "workspaces",
      workspaceIds: [workspaceId],
      status: "ok",
    });

    // The server no longer exists for the outsider (no tool, no Tools menu); the member keeps it.
    expect(await outsider.toolNames()).toEqual([]);
    expect(await member.toolNames()).toEqual(["Team tools/echo"]);
    for (const [who, tools] of [
      [outsider, 0],
      [member, 1],
    ] as const) {
      await who.page.goto("/");
      await expect(who.page.getByRole("textbox", { name: "Message" })).toBeVisible();
      await expect(who.page.getByRole("button", { name: "Tools", exact: true })).toHaveCount(tools);
    }
  } finally {
    for (const other of others) await other.close();
    await context.close();
    await app.stop();
    await mcp.stop();
  }
});
