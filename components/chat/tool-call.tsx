"use client";

import { useAuiState, type ToolCallMessagePartProps } from "@assistant-ui/react";
import { useState } from "react";
import { useOwnThread } from "@/components/chat/runtime/thread-owner";
import { api } from "@/lib/client/api-client";
import {
  visibleText,
  type ToolApprovalData,
  type ToolCallArtifact,
  type ToolCallOutput,
} from "@/lib/shared/chat-messages";

const focusRing = "focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-zinc-500";

export type ToolCallState = "waiting for you" | "running" | "done" | "denied" | "failed" | "timed out" | "stopped";

const stateOfOutcome: Record<string, ToolCallState> = {
  allowed: "done",
  denied: "denied",
  timed_out: "timed out",
  stopped: "stopped",
};

/** A name as shown: without control, bidirectional-override or zero-width characters a server could hide text with. */
const plainLabel = (text: string) =>
  text.replace(/[\p{Cc}\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/gu, "").trim();

/** The newest approval the reply stream told for this call (`data-tool-approval`), if any. */
function useApproval(toolCallId: string): ToolApprovalData | undefined {
  return useAuiState((s) => {
    const data = (s.message.metadata as { unstable_data?: readonly unknown[] } | undefined)?.unstable_data ?? [];
    for (let i = data.length - 1; i >= 0; i--) {
      const entry = data[i] as { name?: string; data?: Partial<ToolApprovalData> } | null;
      if (entry?.name === "tool-approval" && entry.data?.toolCallId === toolCallId)
        return entry.data as ToolApprovalData;
    }
    return undefined;
  });
}

const outputOf = (result: unknown): ToolCallOutput | null =>
  result && typeof result === "object" && typeof (result as ToolCallOutput).outcome === "string"
    ? (result as ToolCallOutput)
    : null;

/** Where a call stands: its result decides once there is one; before that, the newest approval state. */
export function toolCallState(input: {
  result: unknown;
  isError?: boolean;
  approval?: ToolApprovalData["state"];
  running: boolean;
}): ToolCallState {
  if (input.result !== undefined) {
    const outcome = outputOf(input.result)?.outcome;
    if (input.isError && outcome === undefined) return "failed";
    if (outcome === undefined) return "done";
    return stateOfOutcome[outcome] ?? "failed";
  }
  if (input.isError) return "failed";
  if (input.approval === "denied") return "denied";
  // A reply that ended without the call's result: it never finished (Stop, a cut stream).
  if (!input.running) return "stopped";
  return input.approval === "awaiting" ? "waiting for you" : "running";
}

/** The call's arguments as the model sent them, indented when they are JSON. */
function argumentsText(argsText: string, args: unknown): string {
  try {
    return visibleText(JSON.stringify(JSON.parse(argsText || JSON.stringify(args ?? {})), null, 2));
  } catch {
    return visibleText(argsText);
  }
}

function resultText(result: unknown): string {
  const output = outputOf(result);
  if (output) return visibleText(output.text);
  return visibleText(typeof result === "string" ? result : JSON.stringify(result, null, 2));
}

const stateStyle: Record<ToolCallState, string> = {
  "waiting for you": "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200",
  running: "bg-sky-100 text-sky-900 dark:bg-sky-950 dark:text-sky-200",
  done: "bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200",
  denied: "bg-zinc-200 text-zinc-800 dark:bg-zinc-800 dark:text-zinc-200",
  failed: "bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200",
  "timed out": "bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200",
  stopped: "bg-zinc-200 text-zinc-800 dark:bg-zinc-800 dark:text-zinc-200",
};

const pre =
  "mt-1 max-h-64 overflow-auto rounded bg-zinc-50 p-2 font-mono text-xs break-words whitespace-pre-wrap dark:bg-zinc-900";

/**
 * A tool call in a reply: which tool of which server, where it stands, and — folded away unless
 * it waits for the person — the arguments the model sent and the result, both as plain text
 * (a result is never Markdown here: nothing in it becomes a link or loads an image). While it
 * waits, Run and Deny answer it (with "Always allow" for the rest of the thread).
 */
export function ToolCall({
  toolCallId,
  toolName,
  args,
  argsText,
  result,
  isError,
  artifact,
}: ToolCallMessagePartProps) {
  const approval = useApproval(toolCallId);
  const running = useAuiState((s) => s.message.status?.type === "running");
  const threadId = useAuiState((s) => s.threadListItem.remoteId);
  const own = useOwnThread();
  const [answered, setAnswered] = useState<"run" | "deny" | null>(null);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [alwaysAllow, setAlwaysAllow] = useState(false);
  // Answered here: shown as such at once, before the stream says so.
  const approvalState =
    approval?.state === "awaiting" && answered ? (answered === "run" ? "approved" : "denied") : approval?.state;
  const state = toolCallState({ result, isError, approval: approvalState, running });
  const awaiting = state === "waiting for you";
  // Open while it waits (the person reads the arguments before answering), and kept open after;
  // otherwise folded until the person opens it.
  const [choice, setChoice] = useState<boolean | null>(awaiting ? true : null);
  if (awaiting && choice === null) setChoice(true);
  const open = choice ?? false;

  const title = (artifact as ToolCallArtifact | undefined)?.title;
  const label = plainLabel(title ?? (approval ? `${approval.server} · ${approval.tool}` : toolName));

  const decide = async (decision: "run" | "deny") => {
    if (!threadId) return;
    setPending(true);
    setError(null);
    try {
      await api.decideToolCall(threadId, toolCallId, decision, decision === "run" && alwaysAllow);
      setAnswered(decision);
    } catch (thrown) {
      setError(thrown instanceof Error ? thrown.message : "That did not work.");
    } finally {
      setPending(false);
    }
  };

  return (
    <div data-tool-call={toolCallId} className="my-2 rounded-md border border-zinc-200 text-sm dark:border-zinc-800">
      <details
        open={open}
        onToggle={(event) => {
          if (event.currentTarget.open !== open) setChoice(event.currentTarget.open);
        }}
      >
        <summary className={`flex cursor-pointer items-center gap-2 px-3 py-2 select-none ${focusRing}`}>
          <span className="min-w-0 flex-1 truncate font-medium">Tool: {label}</span>{" "}
          <span className={`shrink-0 rounded-full px-2 py-0.5 text-xs ${stateStyle[state]}`}>{state}</span>
        </summary>
        <div className="border-t border-zinc-200 px-3 py-2 dark:border-zinc-800">
          <p className="text-xs font-medium text-zinc-500 dark:text-zinc-400">Arguments</p>
          <pre className={pre}>{argumentsText(argsText, args)}</pre>
          {result !== undefined && (
            <>
              <p className="mt-2 text-xs font-medium text-zinc-500 dark:text-zinc-400">Result</p>
              <pre className={pre}>{resultText(result)}</pre>
            </>
          )}
        </div>
      </details>
      {awaiting && own && (
        <div className="flex flex-wrap items-center gap-3 border-t border-zinc-200 px-3 py-2 dark:border-zinc-800">
          {approval && (
            // The real names, not the server's title for the tool: what Run runs.
            <p className="w-full text-xs text-zinc-600 dark:text-zinc-400">
              Runs <code className="font-mono">{plainLabel(approval.tool)}</code> on{" "}
              <span className="font-medium">{plainLabel(approval.server)}</span>
            </p>
          )}
          <button
            type="button"
            disabled={pending || !threadId}
            onClick={() => void decide("run")}
            className={`rounded-md bg-zinc-900 px-3 py-1 text-xs text-white hover:bg-zinc-700 disabled:opacity-40 dark:bg-zinc-100 dark:text-zinc-900 dark:hover:bg-zinc-300 ${focusRing}`}
          >
            Run
          </button>
          <button
            type="button"
            disabled={pending || !threadId}
            onClick={() => void decide("deny")}
            className={`rounded-md border border-zinc-300 px-3 py-1 text-xs hover:bg-zinc-100 disabled:opacity-40 dark:border-zinc-700 dark:hover:bg-zinc-800 ${focusRing}`}
          >
            Deny
          </button>
          <label className="flex items-center gap-1.5 text-xs text-zinc-600 dark:text-zinc-400">
            <input
              type="checkbox"
              checked={alwaysAllow}
              disabled={pending}
              onChange={(event) => setAlwaysAllow(event.currentTarget.checked)}
            />
            Always allow this tool in this thread
          </label>
        </div>
      )}
      {error && (
        <p
          role="alert"
          className="border-t border-zinc-200 px-3 py-2 text-xs text-red-700 dark:border-zinc-800 dark:text-red-400"
        >
          {error}
        </p>
      )}
    </div>
  );
}
