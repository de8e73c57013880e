"use client";

import { useEffect, useState, type FormEvent } from "react";
import { button, input } from "@/components/account/section";
import { call } from "@/lib/client/api-client";
import { useHydrated } from "@/lib/client/use-hydrated";
import { toolLimits, type ToolConnectionView } from "@/lib/shared/tools";
import { ActionMessage } from "@/lib/client/use-action";

const connectionPath = (serverId: string) => `/api/tool-connections/${encodeURIComponent(serverId)}`;

const connections = {
  saveToken: (serverId: string, token: string) =>
    call<{ connected: true }>(connectionPath(serverId), { method: "PUT", body: JSON.stringify({ token }) }),
  disconnect: (serverId: string) => call<void>(connectionPath(serverId), { method: "DELETE" }),
  signIn: (serverId: string) =>
    call<{ authorizationUrl: string }>(`${connectionPath(serverId)}/oauth`, { method: "POST" }),
};

type Message = { ok: boolean; text: string } | null;

/**
 * /account's "Connected tools" (#tools): the per-person MCP servers this person may use, each
 * connected with their own account (the server's sign-in) or their own access token. The token
 * goes to the server once, is stored encrypted, and never comes back to a browser.
 */
export function ToolConnections({ servers: initial }: { servers: ToolConnectionView[] }) {
  const hydrated = useHydrated();
  const [servers, setServers] = useState(initial);
  const [pending, setPending] = useState<string | null>(null);
  const [message, setMessage] = useState<Message>(null);

  // Back from a server's sign-in (the callback's 303): say how it went, once.
  useEffect(() => {
    const outcome = new URLSearchParams(window.location.search).get("tools");
    if (outcome !== "connected" && outcome !== "failed") return;
    // eslint-disable-next-line react-hooks/set-state-in-effect -- read once from the address the sign-in returned to
    setMessage(
      outcome === "connected"
        ? { ok: true, text: "Your account is connected." }
        : { ok: false, text: "Signing in to the tool server did not work. Try again." },
    );
    const url = new URL(window.location.href);
    url.searchParams.delete("tools");
    window.history.replaceState(window.history.state, "", url);
  }, []);

  const run = async (serverId: string, action: () => Promise<string | null>) => {
    setPending(serverId);
    setMessage(null);
    try {
      const done = await action();
      if (done) setMessage({ ok: true, text: done });
    } catch (thrown) {
      setMessage({ ok: false, text: thrown instanceof Error ? thrown.message : "That did not work." });
    } finally {
      setPending(null);
    }
  };

  const mark = (serverId: string, method: ToolConnectionView["method"]) =>
    setServers((all) => all.map((s) => (s.id === serverId ? { ...s, connected: method !== null, method } : s)));

  const saveToken = (server: ToolConnectionView, event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const token = String(new FormData(form).get("token") ?? "").trim();
    if (!token) return;
    void run(server.id, async () => {
      await connections.saveToken(server.id, token);
      form.reset();
      mark(server.id, "token");
      return `Token for ${server.name} saved.`;
    });
  };

  return (
    <section
      id="tools"
      aria-labelledby="section-connected-tools"
      className="scroll-mt-4 space-y-3 rounded-lg border border-zinc-200 p-4 dark:border-zinc-800"
    >
      <h2 id="section-connected-tools" className="font-semibold">
        Connected tools
      </h2>
      {servers.length === 0 ? (
        <p className="text-sm text-zinc-500 dark:text-zinc-400">No tool asks for your own account.</p>
      ) : (
        <ul className="divide-y divide-zinc-200 text-sm dark:divide-zinc-800" aria-label="Connected tools">
          {servers.map((server) => (
            <li key={server.id} className="space-y-2 py-2">
              <div>
                <p className="font-medium break-words">
                  {server.name} <span className="font-normal text-zinc-600 dark:text-zinc-400">({server.host})</span>
                </p>
                {server.description && (
                  <p className="break-words text-zinc-600 dark:text-zinc-400">{server.description}</p>
                )}
                <p className="text-zinc-500 dark:text-zinc-400">
                  {server.connected
                    ? server.method === "oauth"
                      ? "Connected (signed in)"
                      : "Connected (access token)"
                    : "Not connected"}
                </p>
              </div>
              <div className="flex flex-wrap items-end gap-2">
                {server.oauth && (
                  <button
                    type="button"
                    className={button}
                    disabled={!hydrated || pending !== null}
                    onClick={() =>
                      void run(server.id, async () => {
                        const { authorizationUrl } = await connections.signIn(server.id);
                        window.location.assign(authorizationUrl);
                        return null;
                      })
                    }
                  >
                    {`Sign in to ${server.name}`}
                  </button>
                )}
                <form
                  method="post"
                  onSubmit={(e) => saveToken(server, e)}
                  className="flex min-w-0 flex-1 flex-wrap items-end gap-2"
                >
                  <label className="flex min-w-0 flex-1 flex-col gap-1">
                    <span>Access token</span>
                    <input
                      name="token"
                      type="password"
                      required
                      maxLength={toolLimits.tokenMaxChars}
                      autoComplete="off"
                      className={input}
                    />
                  </label>
                  <button type="submit" className={button} disabled={!hydrated || pending !== null}>
                    Save token
                  </button>
                </form>
                {server.connected && (
                  <button
                    type="button"
                    className={`${button} text-red-700 dark:text-red-400`}
                    disabled={!hydrated || pending !== null}
                    onClick={() =>
                      void run(server.id, async () => {
                        await connections.disconnect(server.id);
                        mark(server.id, null);
                        return `${server.name} disconnected.`;
                      })
                    }
                  >
                    Disconnect
                  </button>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
      <ActionMessage message={message} />
    </section>
  );
}
