import {
  expect,
  type APIRequest,
  type APIRequestContext,
  type Browser,
  type Locator,
  type Page,
} from "@playwright/test";
import type { ServerView } from "@/lib/shared/tools";
import { authorizeInBrowser, startMcpOAuthIssuer } from "../support/mcp-oauth";
import { startMcpServer } from "../support/mcp-server";
import { apiUser } from "./helpers";
import { startInstance } from "./instances";

/** The bearer token the per-person test server insists on: the first person's own credential. */
export const personalToken = "tools-spec-personal-token";

/** Server names as the admin connects them (the Tools menu's group headings). */
export const openServerName = "Test tools";
export const personalServerName = "Private tools";

/**
 * An instance of the app of its own (MCP servers are instance-wide), on a fresh database, with
 * two test MCP servers of this worker (so a test reads their recorded calls directly): one
 * anybody may use, one where each person signs in with their own token. The first account is
 * the instance's admin; it connects both servers through the admin API and offers every tool
 * (policy `ask`), and connects its own token to the per-person one (listing its tools needs one).
 */
export async function startToolsInstance(playwright: { request: APIRequest }, label: string) {
  const open = await startMcpServer();
  const personal = await startMcpServer({ auth: { bearer: personalToken } });
  const app = await startInstance(
    label,
    // A tool call waiting for its approval keeps the reply open with the model quiet.
    { MCP_ALLOWED_HOSTS: "127.0.0.1", MODEL_TIMEOUT_MS: "60000" },
    { freshDatabase: true },
  );
  const admin = await apiUser(playwright, app.url, "Tools Admin");
  const openServer = await addServer(admin.request, { name: openServerName, url: open.url, auth: "none" });
  let personalServer = await addServer(admin.request, {
    name: personalServerName,
    url: personal.url,
    auth: "per_person",
  });
  expect(
    (
      await admin.request.put(`/api/tool-connections/${personalServer.id}`, { data: { token: personalToken } })
    ).status(),
  ).toBe(200);
  const refreshed = await admin.request.post(`/api/admin/mcp-servers/${personalServer.id}/refresh`);
  expect(refreshed.status(), await refreshed.text()).toBe(200);
  personalServer = ((await refreshed.json()) as { server: ServerView }).server;
  expect(personalServer.tools.map((t) => t.name)).toContain("echo");
  await offerAll(admin.request, personalServer);
  return {
    app,
    admin,
    mcp: { open, personal },
    servers: { open: openServer, personal: personalServer },
    /** A signed-in browser context on this instance. */
    newContext: (browser: Browser) => browser.newContext({ baseURL: app.url }),
    stop: async () => {
      await admin.request.dispose();
      await app.stop();
      await Promise.all([open.stop(), personal.stop()]);
    },
  };
}

export type ToolsInstance = Awaited<ReturnType<typeof startToolsInstance>>;

/**
 * A per-person MCP server signing people in with OAuth (an authorization server with dynamic
 * client registration), connected to `tools`' instance; the admin signs in as `admin` to list
 * its tools, and offers them all.
 */
export async function startOAuthServer(tools: ToolsInstance) {
  const issuer = await startMcpOAuthIssuer();
  const mcp = await startMcpServer({ auth: { oauth: issuer.issuer } });
  const name = `OAuth tools ${Date.now()}`;
  const { request } = tools.admin;
  let server = await addServer(request, { name, url: mcp.url, auth: "per_person" });
  issuer.signInAs("admin");
  const started = await request.post(`/api/tool-connections/${server.id}/oauth`);
  expect(started.status(), await started.text()).toBe(200);
  const back = await authorizeInBrowser(((await started.json()) as { authorizationUrl: string }).authorizationUrl);
  const callback = await request.get(back.url.toString(), { maxRedirects: 0 });
  expect(callback.status()).toBe(303);
  expect(callback.headers().location).toContain("tools=connected");
  const refreshed = await request.post(`/api/admin/mcp-servers/${server.id}/refresh`);
  expect(refreshed.status(), await refreshed.text()).toBe(200);
  server = await offerAll(request, ((await refreshed.json()) as { server: ServerView }).server);
  expect(server.tools.map((t) => t.name)).toContain("echo");
  // Listing the tools was the admin's call, not a tool call.
  mcp.calls.length = 0;
  return {
    name,
    server,
    mcp,
    issuer,
    stop: async () => {
      await request.delete(`/api/admin/mcp-servers/${server.id}`);
      await Promise.all([mcp.stop(), issuer.stop()]);
    },
  };
}

/** A server whose tools were listed and offered, and which then went away: the admin's refresh marks it failing. */
export async function addFailingServer(tools: ToolsInstance, name: string) {
  const mcp = await startMcpServer();
  const { request } = tools.admin;
  const server = await addServer(request, { name, url: mcp.url, auth: "none" });
  await mcp.stop();
  await request.post(`/api/admin/mcp-servers/${server.id}/refresh`);
  const { servers } = (await (await request.get("/api/admin/mcp-servers")).json()) as { servers: ServerView[] };
  const failing = servers.find((s) => s.id === server.id)!;
  expect(failing.status).toBe("failing");
  return { server: failing, remove: () => request.delete(`/api/admin/mcp-servers/${server.id}`) };
}

async function addServer(request: APIRequestContext, body: { name: string; url: string; auth: string }) {
  const response = await request.post("/api/admin/mcp-servers", { data: body });
  expect(response.status(), await response.text()).toBe(201);
  const { server } = (await response.json()) as { server: ServerView };
  if (body.auth === "none") {
    expect(server.status).toBe("ok");
    return offerAll(request, server);
  }
  return server;
}

async function offerAll(request: APIRequestContext, server: ServerView) {
  const response = await request.patch(`/api/admin/mcp-servers/${server.id}`, {
    data: { tools: server.tools.map((t) => ({ name: t.name, offered: true, policy: "ask" })) },
  });
  expect(response.status(), await response.text()).toBe(200);
  return ((await response.json()) as { server: ServerView }).server;
}

/** A fake-model marker making the model call `tool` with `args` (see tests/support/fake-openai.ts). */
export const toolMarker = (tool: string, args: Record<string, unknown>) => `[tool=${tool} ${JSON.stringify(args)}]`;

/**
 * The Tools menu and the tool calls in replies, found as a person finds them: by role and name.
 */
export function toolsUi(page: Page) {
  const button = page.getByRole("button", { name: "Tools", exact: true });
  const menu = page.getByRole("dialog", { name: "Tools for this thread" });
  return {
    button,
    menu,
    /** A server's group in the open menu. */
    group: (server: string) => menu.getByRole("region", { name: server }),
    /** Switches `tool` of `server` on (or off) for the open thread, then closes the menu. */
    async setTool(server: string, tool: string, enabled = true) {
      await expect(button).toBeEnabled();
      await button.click();
      const box = menu.getByRole("region", { name: server }).getByRole("checkbox", { name: tool, exact: true });
      await expect(box).toBeEnabled();
      await box.setChecked(enabled);
      await expect(box).toBeChecked({ checked: enabled });
      await expect(box).toBeEnabled();
      await page.keyboard.press("Escape");
      await expect(menu).toBeHidden();
    },
    /** The tool calls shown in `reply`. */
    calls: (reply: Locator) => reply.locator("[data-tool-call]"),
    runButton: (scope: Locator) => scope.getByRole("button", { name: "Run", exact: true }),
    denyButton: (scope: Locator) => scope.getByRole("button", { name: "Deny", exact: true }),
    alwaysAllow: (scope: Locator) => scope.getByRole("checkbox", { name: "Always allow this tool in this thread" }),
    /** Opens a tool call's details (if folded) and returns its Result text. */
    async result(call: Locator) {
      const details = call.locator("details");
      if (!(await details.evaluate((d: HTMLDetailsElement) => d.open))) await call.locator("summary").click();
      return call.locator("pre").nth(1);
    },
  };
}
