"use client";

import { useId, useRef, useState, type FormEvent } from "react";
import { call } from "@/lib/client/api-client";
import { ActionMessage } from "@/lib/client/use-action";
import { useHydrated } from "@/lib/client/use-hydrated";
import {
  toolLimits,
  toolPolicies,
  type ServerAudience,
  type ServerAuthMode,
  type ServerInput,
  type ServerPatch,
  type ServerView,
  type ToolPolicy,
} from "@/lib/shared/tools";
import { DataTable } from "./data-table";

const authLabels: Record<ServerAuthMode, string> = {
  none: "None",
  shared: "Shared token",
  per_person: "Per person",
};

const policyLabels: Record<ToolPolicy, string> = { ask: "Ask", allow: "Allow", never: "Never" };

const button =
  "rounded-md border border-zinc-300 px-2 py-0.5 text-sm hover:bg-zinc-100 disabled:opacity-50 dark:border-zinc-700 dark:hover:bg-zinc-800";
const field =
  "w-full rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900";

const serverPath = (id: string) => `/api/admin/mcp-servers/${encodeURIComponent(id)}`;
const json = (value: unknown) => JSON.stringify(value);

/** The admin's calls for this section (lib/client/api-client.ts's `call`: the server's own error message on failure). */
const mcpAdmin = {
  create: (input: ServerInput) =>
    call<{ server: ServerView }>("/api/admin/mcp-servers", { method: "POST", body: json(input) }),
  update: (id: string, patch: ServerPatch) =>
    call<{ server: ServerView }>(serverPath(id), { method: "PATCH", body: json(patch) }),
  refresh: (id: string) => call<{ server: ServerView }>(`${serverPath(id)}/refresh`, { method: "POST" }),
  remove: (id: string) => call<void>(serverPath(id), { method: "DELETE" }),
};

export const statusText = (server: Pick<ServerView, "status" | "statusMessage">) =>
  server.status === "ok"
    ? "OK"
    : server.status === "failing"
      ? `Failing: ${server.statusMessage || "no reason given"}`
      : "Not checked";

type Message = { ok: boolean; text: string } | null;

/**
 * /admin's "Tools": MCP servers the model may use (Streamable HTTP only: nothing here starts a
 * program on this server), who may use each, and which of a server's tools are offered with what
 * policy. Secrets go one way: a token or client secret is sent once and only "set" comes back.
 */
export function AdminMcpServers({
  servers: initial,
  workspaces,
}: {
  servers: ServerView[];
  workspaces: { id: string; name: string }[];
}) {
  const [servers, setServers] = useState(initial);
  const replace = (server: ServerView) =>
    setServers((all) =>
      all.some((s) => s.id === server.id) ? all.map((s) => (s.id === server.id ? server : s)) : [...all, server],
    );
  return (
    <section
      aria-labelledby="admin-tools"
      className="space-y-4 rounded-lg border border-zinc-200 p-4 dark:border-zinc-800"
    >
      <h2 id="admin-tools" className="font-semibold">
        Tools
      </h2>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        MCP servers over Streamable HTTP. Addresses must be <code>https:</code> on public addresses, or listed in{" "}
        <code>MCP_ALLOWED_HOSTS</code>. A new tool is not offered until you offer it; each call asks the person first
        unless its policy says otherwise.
      </p>
      {servers.length === 0 ? (
        <p className="text-sm text-zinc-500 dark:text-zinc-400">No MCP servers connected.</p>
      ) : (
        servers.map((server) => (
          <ServerCard
            key={server.id}
            server={server}
            workspaces={workspaces}
            onChange={replace}
            onDelete={() => setServers((all) => all.filter((s) => s.id !== server.id))}
          />
        ))
      )}
      <ConnectForm workspaces={workspaces} onConnected={replace} />
    </section>
  );
}

function ConnectForm({
  workspaces,
  onConnected,
}: {
  workspaces: { id: string; name: string }[];
  onConnected: (server: ServerView) => void;
}) {
  const hydrated = useHydrated();
  const id = useId();
  const [auth, setAuth] = useState<ServerAuthMode>("none");
  const [audience, setAudience] = useState<ServerAudience>("everyone");
  const [pending, setPending] = useState(false);
  const [message, setMessage] = useState<Message>(null);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const text = (name: string) => String(data.get(name) ?? "").trim();
    const optional = (name: string) => text(name) || undefined;
    const input: ServerInput = {
      name: text("name"),
      url: text("url"),
      description: text("description"),
      auth,
      audience,
      ...(auth === "shared" && {
        sharedToken: text("sharedToken"),
        identityHeader: optional("identityHeader") ?? null,
      }),
      ...(auth === "per_person" && {
        oauthClientId: optional("oauthClientId") ?? null,
        oauthClientSecret: optional("oauthClientSecret") ?? null,
      }),
      ...(audience === "workspaces" && { workspaceIds: data.getAll("workspaceIds").map(String) }),
    };
    setPending(true);
    setMessage(null);
    try {
      const { server } = await mcpAdmin.create(input);
      onConnected(server);
      form.reset();
      setAuth("none");
      setAudience("everyone");
      setMessage({
        ok: server.status !== "failing",
        text:
          server.status === "failing"
            ? `${server.name} is saved, but listing its tools failed: ${server.statusMessage ?? "no reason given"}`
            : `${server.name} is connected with ${server.tools.length === 1 ? "1 tool" : `${server.tools.length} tools`}. Offer the ones people may use.`,
      });
    } catch (thrown) {
      setMessage({ ok: false, text: thrown instanceof Error ? thrown.message : "That did not work." });
    } finally {
      setPending(false);
    }
  };

  return (
    <form
      aria-labelledby={`${id}-heading`}
      method="post"
      onSubmit={(e) => void submit(e)}
      className="space-y-3 border-t border-zinc-200 pt-3 dark:border-zinc-800"
    >
      <h3 id={`${id}-heading`} className="text-sm font-semibold">
        Connect an MCP server
      </h3>
      <ServerFields
        id={id}
        auth={auth}
        onAuth={setAuth}
        audience={audience}
        onAudience={setAudience}
        workspaces={workspaces}
        tokenRequired={auth === "shared"}
      />
      <button type="submit" className={button} disabled={!hydrated || pending}>
        Connect server
      </button>
      <ActionMessage message={message} />
    </form>
  );
}

/**
 * The settings of a server, as the connect form and a server's edit form both ask for them:
 * uncontrolled inputs (read with FormData on submit) prefilled from `server` when editing, with
 * the authentication and audience held by the form (they decide what else is sent). Secrets are
 * never prefilled: editing, an empty token or client secret keeps the stored one.
 */
function ServerFields({
  id,
  server,
  auth,
  onAuth,
  audience,
  onAudience,
  workspaces,
  tokenRequired,
}: {
  id: string;
  server?: ServerView;
  auth: ServerAuthMode;
  onAuth: (auth: ServerAuthMode) => void;
  audience: ServerAudience;
  onAudience: (audience: ServerAudience) => void;
  workspaces: { id: string; name: string }[];
  tokenRequired: boolean;
}) {
  const label = "flex flex-col gap-1 text-sm";
  const keep = (set: boolean | undefined) => (server && set ? "Set: leave empty to keep" : undefined);
  return (
    <>
      <div className="grid gap-3 sm:grid-cols-2">
        <label className={label}>
          <span>Name</span>
          <input
            name="name"
            required
            maxLength={toolLimits.serverNameMaxChars}
            defaultValue={server?.name}
            autoComplete="off"
            className={field}
          />
        </label>
        <label className={label}>
          <span>URL</span>
          <input
            name="url"
            type="url"
            required
            maxLength={toolLimits.serverUrlMaxChars}
            defaultValue={server?.url}
            placeholder="https://mcp.example.com/mcp"
            autoComplete="off"
            spellCheck={false}
            className={field}
          />
        </label>
      </div>
      <label className={label}>
        <span>Description</span>
        <textarea
          name="description"
          rows={2}
          maxLength={toolLimits.serverDescriptionMaxChars}
          defaultValue={server?.description}
          className={field}
        />
      </label>
      <div className={label}>
        <label htmlFor={`${id}-auth`}>Authentication</label>
        <select
          id={`${id}-auth`}
          name="auth"
          value={auth}
          onChange={(e) => onAuth(e.target.value as ServerAuthMode)}
          className={`${field} sm:w-60`}
        >
          {(Object.keys(authLabels) as ServerAuthMode[]).map((mode) => (
            <option key={mode} value={mode}>
              {authLabels[mode]}
            </option>
          ))}
        </select>
      </div>
      <div className="grid gap-3 sm:grid-cols-2">
        <label className={label}>
          <span>Shared token</span>
          <input
            name="sharedToken"
            type="password"
            required={tokenRequired}
            maxLength={toolLimits.tokenMaxChars}
            placeholder={keep(server?.auth === "shared" && server.hasSharedToken)}
            autoComplete="off"
            className={field}
          />
        </label>
        <label className={label}>
          <span>Identity header</span>
          <input
            name="identityHeader"
            maxLength={64}
            pattern="[A-Za-z0-9\-]{1,64}"
            defaultValue={server?.identityHeader ?? undefined}
            placeholder="X-Person-Id"
            autoComplete="off"
            spellCheck={false}
            className={field}
          />
        </label>
        <label className={label}>
          <span>OAuth client ID</span>
          <input
            name="oauthClientId"
            maxLength={toolLimits.oauthClientIdMaxChars}
            defaultValue={server?.oauthClientId ?? undefined}
            autoComplete="off"
            spellCheck={false}
            className={field}
          />
        </label>
        <label className={label}>
          <span>OAuth client secret</span>
          <input
            name="oauthClientSecret"
            type="password"
            maxLength={toolLimits.oauthClientSecretMaxChars}
            placeholder={keep(server?.auth === "per_person" && server.hasOAuthClientSecret)}
            autoComplete="off"
            className={field}
          />
        </label>
      </div>
      <p className="text-xs text-zinc-500 dark:text-zinc-400">
        Shared token: every call sends it, and the identity header (if named) carries the person&apos;s id. Per person:
        each person signs in to the server (OAuth; leave the client empty to register one) or pastes their own token on
        their account page.
        {server && " A token or client secret left empty keeps the one stored."}
      </p>
      <fieldset className="space-y-1 text-sm">
        <legend>Audience</legend>
        <label className="mr-4 inline-flex items-center gap-1">
          <input
            type="radio"
            name="audience"
            value="everyone"
            checked={audience === "everyone"}
            onChange={() => onAudience("everyone")}
          />
          Everyone
        </label>
        <label className="inline-flex items-center gap-1">
          <input
            type="radio"
            name="audience"
            value="workspaces"
            checked={audience === "workspaces"}
            onChange={() => onAudience("workspaces")}
          />
          Listed workspaces
        </label>
        {audience === "workspaces" &&
          (workspaces.length === 0 ? (
            <p className="text-zinc-500 dark:text-zinc-400">No workspaces yet.</p>
          ) : (
            <ul className="flex flex-wrap gap-x-4 gap-y-1 pt-1">
              {workspaces.map((w) => (
                <li key={w.id}>
                  <label className="inline-flex items-center gap-1">
                    <input
                      type="checkbox"
                      name="workspaceIds"
                      value={w.id}
                      defaultChecked={server?.workspaceIds.includes(w.id)}
                    />
                    {w.name}
                  </label>
                </li>
              ))}
            </ul>
          ))}
      </fieldset>
    </>
  );
}

const sameIds = (a: string[], b: string[]) => a.length === b.length && [...a].sort().join() === [...b].sort().join();

/**
 * A server's settings, changed in place: only what differs is sent (PATCH). A new address or
 * authentication makes it another server as far as secrets go (the API deletes every person's
 * connection, the shared token, the client secret and its tools), so that is confirmed first, and
 * a shared-token server moving to a new address needs its token again.
 */
function EditServerForm({
  server,
  workspaces,
  onSaved,
  onCancel,
}: {
  server: ServerView;
  workspaces: { id: string; name: string }[];
  onSaved: (server: ServerView, reset: boolean) => void;
  onCancel: () => void;
}) {
  const hydrated = useHydrated();
  const id = useId();
  const [auth, setAuth] = useState<ServerAuthMode>(server.auth);
  const [audience, setAudience] = useState<ServerAudience>(server.audience);
  const [pending, setPending] = useState(false);
  const [message, setMessage] = useState<Message>(null);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const text = (name: string) => String(data.get(name) ?? "").trim();
    const patch: ServerPatch = {};
    if (text("name") !== server.name) patch.name = text("name");
    if (text("url") !== server.url) patch.url = text("url");
    if (text("description") !== server.description) patch.description = text("description");
    if (auth !== server.auth) patch.auth = auth;
    const reset = patch.url !== undefined || patch.auth !== undefined;
    if (auth === "shared") {
      if (text("sharedToken")) patch.sharedToken = text("sharedToken");
      const header = text("identityHeader") || null;
      if (header !== server.identityHeader) patch.identityHeader = header;
    } else if (server.identityHeader) patch.identityHeader = null;
    if (auth === "per_person") {
      const clientId = text("oauthClientId") || null;
      if (clientId !== server.oauthClientId) patch.oauthClientId = clientId;
      if (text("oauthClientSecret")) patch.oauthClientSecret = text("oauthClientSecret");
      // A secret belongs to its client: clearing the client clears it too.
      else if (!clientId && server.hasOAuthClientSecret) patch.oauthClientSecret = null;
    } else {
      if (server.oauthClientId) patch.oauthClientId = null;
      if (server.hasOAuthClientSecret) patch.oauthClientSecret = null;
    }
    if (audience !== server.audience) patch.audience = audience;
    if (audience === "workspaces") {
      const ids = data.getAll("workspaceIds").map(String);
      if (ids.length === 0) {
        setMessage({ ok: false, text: "Choose at least one workspace, or let everyone use the server." });
        return;
      }
      if (patch.audience !== undefined || !sameIds(ids, server.workspaceIds)) patch.workspaceIds = ids;
    }
    if (Object.keys(patch).length === 0) {
      setMessage({ ok: true, text: "Nothing changed." });
      return;
    }
    if (reset && auth === "shared" && patch.sharedToken === undefined) {
      setMessage({
        ok: false,
        text: "Enter the shared token again: a new address or authentication does not get the stored one.",
      });
      return;
    }
    if (reset) {
      const what =
        patch.url !== undefined && patch.auth !== undefined
          ? "address and authentication"
          : patch.url !== undefined
            ? "address"
            : "authentication";
      if (
        !window.confirm(
          `Change the ${what} of ${server.name}? This deletes, at once, every person's connection to it, its shared token and OAuth client secret (unless you entered new ones here), and its tools with every thread's choice of them. Refresh and offer its tools again afterwards.`,
        )
      )
        return;
    }
    setPending(true);
    setMessage(null);
    try {
      const { server: saved } = await mcpAdmin.update(server.id, patch);
      onSaved(saved, reset);
    } catch (thrown) {
      setMessage({ ok: false, text: thrown instanceof Error ? thrown.message : "That did not work." });
      setPending(false);
    }
  };

  return (
    <form
      aria-labelledby={`${id}-heading`}
      method="post"
      onSubmit={(e) => void submit(e)}
      className="space-y-3 border-t border-zinc-200 pt-3 dark:border-zinc-800"
    >
      <h4 id={`${id}-heading`} className="text-sm font-semibold break-all">
        {`Edit ${server.name}`}
      </h4>
      <ServerFields
        id={id}
        server={server}
        auth={auth}
        onAuth={setAuth}
        audience={audience}
        onAudience={setAudience}
        workspaces={workspaces}
        tokenRequired={auth === "shared" && server.auth !== "shared"}
      />
      <div className="flex flex-wrap gap-2">
        <button type="submit" className={button} disabled={!hydrated || pending}>
          Save changes
        </button>
        <button type="button" className={button} disabled={pending} onClick={onCancel}>
          Cancel
        </button>
      </div>
      <ActionMessage message={message} />
    </form>
  );
}

/** One connected server: where it is, how it authenticates, its status, and its tools. */
function ServerCard({
  server,
  workspaces,
  onChange,
  onDelete,
}: {
  server: ServerView;
  workspaces: { id: string; name: string }[];
  onChange: (server: ServerView) => void;
  onDelete: () => void;
}) {
  const hydrated = useHydrated();
  const id = useId();
  const [pending, setPending] = useState(false);
  const [message, setMessage] = useState<Message>(null);
  const [editing, setEditing] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);

  const closeEdit = () => {
    setEditing(false);
    editButton.current?.focus();
  };

  const saved = (changed: ServerView, reset: boolean) => {
    onChange(changed);
    closeEdit();
    setMessage({
      ok: true,
      text: reset
        ? `Changes to ${changed.name} saved. Its tools and connections were removed: refresh tools, then offer them again.`
        : `Changes to ${changed.name} saved.`,
    });
  };

  const run = async (action: () => Promise<string | null>) => {
    setPending(true);
    setMessage(null);
    try {
      const done = await action();
      if (done) setMessage({ ok: true, text: done });
    } catch (thrown) {
      setMessage({ ok: false, text: thrown instanceof Error ? thrown.message : "That did not work." });
    } finally {
      setPending(false);
    }
  };

  /** Shown at once (a checkbox or select follows the click), then as the server stored it; put back if refused. */
  const patch = (change: ServerPatch, done: string | null = null) => {
    const before = server;
    const shown = { ...server, ...(change.enabled !== undefined && { enabled: change.enabled }) };
    if (change.tools)
      shown.tools = server.tools.map((tool) => {
        const changed = change.tools!.find((t) => t.name === tool.name);
        return changed ? { ...tool, ...changed } : tool;
      });
    onChange(shown);
    void run(async () => {
      try {
        onChange((await mcpAdmin.update(server.id, change)).server);
      } catch (thrown) {
        onChange(before);
        throw thrown;
      }
      return done;
    });
  };

  const refresh = () =>
    void run(async () => {
      const { server: refreshed } = await mcpAdmin.refresh(server.id);
      onChange(refreshed);
      return refreshed.status === "failing"
        ? null
        : `Tools refreshed: ${refreshed.tools.length === 1 ? "1 tool" : `${refreshed.tools.length} tools`}.`;
    });

  const remove = () => {
    if (
      !window.confirm(
        `Delete ${server.name}? Its tools stop at once for everyone, and every person's connection to it is removed.`,
      )
    )
      return;
    void run(async () => {
      await mcpAdmin.remove(server.id);
      onDelete();
      return null;
    });
  };

  const audienceText =
    server.audience === "everyone"
      ? "Everyone"
      : `Listed workspaces: ${
          server.workspaceIds.map((w) => workspaces.find((x) => x.id === w)?.name ?? w).join(", ") || "none"
        }`;

  return (
    <section
      aria-labelledby={`${id}-name`}
      className="space-y-2 rounded-md border border-zinc-200 p-3 dark:border-zinc-800"
    >
      <h3 id={`${id}-name`} className="font-medium break-all">
        {server.name}
      </h3>
      {server.description && <p className="text-sm break-words">{server.description}</p>}
      <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5 text-sm">
        <dt className="text-zinc-500 dark:text-zinc-400">Status</dt>
        <dd className={server.status === "failing" ? "break-words text-red-700 dark:text-red-400" : undefined}>
          {statusText(server)}
        </dd>
        <dt className="text-zinc-500 dark:text-zinc-400">URL</dt>
        <dd className="break-all">{server.url}</dd>
        <dt className="text-zinc-500 dark:text-zinc-400">Authentication</dt>
        <dd>
          {authLabels[server.auth]}
          {server.auth === "shared" && (server.hasSharedToken ? " (token set)" : " (no token)")}
          {server.auth === "shared" && server.identityHeader && `, person in ${server.identityHeader}`}
          {server.auth === "per_person" &&
            (server.oauthClientId
              ? `, OAuth client ${server.oauthClientId}${server.hasOAuthClientSecret ? " (secret set)" : ""}`
              : ", OAuth client registered per server")}
        </dd>
        <dt className="text-zinc-500 dark:text-zinc-400">Audience</dt>
        <dd className="break-words">{audienceText}</dd>
        {server.checkedAt && (
          <>
            <dt className="text-zinc-500 dark:text-zinc-400">Checked</dt>
            <dd className="tabular-nums">{`${server.checkedAt.slice(0, 10)} ${server.checkedAt.slice(11, 16)} UTC`}</dd>
          </>
        )}
      </dl>
      <div className="flex flex-wrap items-center gap-2">
        <label className="inline-flex items-center gap-1 text-sm">
          <input
            type="checkbox"
            checked={server.enabled}
            disabled={!hydrated || pending}
            onChange={(e) => patch({ enabled: e.target.checked })}
          />
          Enabled
        </label>
        <button
          ref={editButton}
          type="button"
          className={button}
          aria-expanded={editing}
          disabled={!hydrated || pending}
          onClick={() => {
            setMessage(null);
            setEditing((open) => !open);
          }}
        >
          Edit server
        </button>
        <button type="button" className={button} disabled={!hydrated || pending} onClick={refresh}>
          Refresh tools
        </button>
        <button
          type="button"
          className={`${button} text-red-700 dark:text-red-400`}
          disabled={!hydrated || pending}
          onClick={remove}
        >
          Delete server
        </button>
      </div>
      {editing && <EditServerForm server={server} workspaces={workspaces} onSaved={saved} onCancel={closeEdit} />}
      {server.tools.length === 0 ? (
        <p className="text-sm text-zinc-500 dark:text-zinc-400">
          No tools listed. Refresh tools once the server answers.
        </p>
      ) : (
        <DataTable caption={`Tools of ${server.name}`} minWidth="min-w-[32rem]">
          <thead className="text-left text-zinc-500 dark:text-zinc-400">
            <tr>
              <th className="font-normal">Tool</th>
              <th className="font-normal">Description</th>
              <th className="font-normal">Offered</th>
              <th className="font-normal">Policy</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-200 dark:divide-zinc-800">
            {server.tools.map((tool) => (
              <tr key={tool.name}>
                <th scope="row" className="text-left font-normal break-all">
                  {tool.title ?? tool.name}
                  {tool.title && <span className="block text-xs text-zinc-500 dark:text-zinc-400">{tool.name}</span>}
                </th>
                <td className="max-w-xs break-words text-zinc-600 dark:text-zinc-400">{tool.description}</td>
                <td>
                  <label className="inline-flex items-center gap-1">
                    <input
                      type="checkbox"
                      checked={tool.offered}
                      disabled={!hydrated || pending}
                      onChange={(e) => patch({ tools: [{ name: tool.name, offered: e.target.checked }] })}
                    />
                    <span className="sr-only">Offered</span>
                  </label>
                </td>
                <td>
                  <select
                    aria-label="Policy"
                    value={tool.policy}
                    disabled={!hydrated || pending}
                    onChange={(e) => patch({ tools: [{ name: tool.name, policy: e.target.value as ToolPolicy }] })}
                    className="rounded-md border border-zinc-300 bg-white px-1 py-0.5 dark:border-zinc-700 dark:bg-zinc-900"
                  >
                    {toolPolicies.map((p) => (
                      <option key={p} value={p}>
                        {policyLabels[p]}
                      </option>
                    ))}
                  </select>
                </td>
              </tr>
            ))}
          </tbody>
        </DataTable>
      )}
      <ActionMessage message={message} />
    </section>
  );
}
