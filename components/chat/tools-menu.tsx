"use client";

import { useAui } from "@assistant-ui/react";
import { useEffect, useId, useState } from "react";
import { api } from "@/lib/client/api-client";
import type { ThreadToolServerView, ThreadToolView } from "@/lib/shared/tools";

const focusRing = "focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-zinc-500";

type Loaded = { threadId: string; servers: ThreadToolServerView[] };

/**
 * The open thread's tools (the Tools menu's panel, loaded on first open): one group per server
 * the caller may use, a switch per tool for this thread. A thread not created yet is created
 * first (its tools are stored with it). A per-person server the caller has not connected says so
 * and links to where they connect it; a failing one says it is unavailable.
 */
export function ToolsPanel({ id }: { id: string }) {
  const aui = useAui();
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    (async () => {
      const { remoteId } = await aui.threadListItem().initialize();
      const { servers } = await api.threadTools(remoteId);
      // A second load for the same thread (the context settles once the new thread has its id)
      // must not undo a switch made in between.
      if (current) setLoaded((before) => (before?.threadId === remoteId ? before : { threadId: remoteId, servers }));
    })().catch((thrown: unknown) => {
      if (current) setError(thrown instanceof Error ? thrown.message : "The tools could not be loaded.");
    });
    return () => {
      current = false;
    };
  }, [aui]);

  const toggle = async (server: ThreadToolServerView, tool: ThreadToolView, enabled: boolean) => {
    if (!loaded) return;
    const key = `${server.id}/${tool.name}`;
    const show = (values: Partial<ThreadToolView>) =>
      setLoaded(
        (before) =>
          before && {
            ...before,
            servers: before.servers.map((s) =>
              s.id !== server.id
                ? s
                : { ...s, tools: s.tools.map((t) => (t.name === tool.name ? { ...t, ...values } : t)) },
            ),
          },
      );
    // The box shows the choice at once; the server's answer confirms it, or it goes back.
    show({ enabled });
    setPending(key);
    setError(null);
    try {
      const { tool: saved } = await api.setThreadTool(loaded.threadId, {
        serverId: server.id,
        tool: tool.name,
        enabled,
      });
      show({ enabled: saved.enabled, alwaysAllow: saved.alwaysAllow });
    } catch (thrown) {
      show({ enabled: tool.enabled });
      setError(thrown instanceof Error ? thrown.message : "That did not work.");
    } finally {
      setPending(null);
    }
  };

  return (
    <div
      id={id}
      role="dialog"
      aria-label="Tools for this thread"
      className="absolute bottom-full left-0 z-20 mb-2 max-h-96 w-80 overflow-y-auto rounded-xl border border-zinc-300 bg-white p-3 text-sm shadow-lg dark:border-zinc-700 dark:bg-zinc-900"
    >
      {error && (
        <p role="alert" className="mb-2 text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
      {!loaded && !error && (
        <p role="status" className="text-zinc-500 dark:text-zinc-400">
          Loading tools…
        </p>
      )}
      {loaded && loaded.servers.length === 0 && (
        <p className="text-zinc-500 dark:text-zinc-400">No tools are available to you.</p>
      )}
      {loaded?.servers.map((server) => (
        <ServerGroup key={server.id} server={server} pending={pending} onToggle={toggle} />
      ))}
    </div>
  );
}

function ServerGroup({
  server,
  pending,
  onToggle,
}: {
  server: ThreadToolServerView;
  pending: string | null;
  onToggle: (server: ThreadToolServerView, tool: ThreadToolView, enabled: boolean) => Promise<void>;
}) {
  const headingId = useId();
  return (
    <section aria-labelledby={headingId} className="mb-3 last:mb-0">
      <h3 id={headingId} className="font-medium">
        {server.name}
      </h3>
      {server.description && <p className="text-xs text-zinc-500 dark:text-zinc-400">{server.description}</p>}
      {server.status === "failing" && <p className="text-xs font-medium text-red-700 dark:text-red-400">Unavailable</p>}
      {server.needsSignIn && (
        <a href="/account#tools" className={`text-xs text-sky-700 underline dark:text-sky-400 ${focusRing}`}>
          Connect your account
        </a>
      )}
      <ul className="mt-1 flex flex-col gap-1">
        {server.tools.map((tool) => (
          <li key={tool.name} className="flex flex-wrap items-baseline gap-x-1">
            <label className="flex items-start gap-2" title={tool.description || undefined}>
              <input
                type="checkbox"
                className="mt-0.5"
                checked={tool.enabled}
                disabled={pending === `${server.id}/${tool.name}`}
                onChange={(event) => void onToggle(server, tool, event.currentTarget.checked)}
              />
              {tool.title ?? tool.name}
            </label>
            {tool.policy === "allow" && (
              <span className="text-xs text-zinc-500 dark:text-zinc-400">(runs without asking)</span>
            )}
            {tool.policy === "ask" && tool.alwaysAllow && (
              <span className="text-xs text-zinc-500 dark:text-zinc-400">(always allowed in this thread)</span>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
