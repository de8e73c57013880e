"use client";

import {
  ActionBarPrimitive,
  AuiIf,
  BranchPickerPrimitive,
  ComposerPrimitive,
  ErrorPrimitive,
  MessagePartPrimitive,
  MessagePrimitive,
  ThreadPrimitive,
  useAui,
  useAuiState,
  type EmptyMessagePartProps,
  type ReasoningMessagePartProps,
} from "@assistant-ui/react";
import type { ToolCallMessagePartProps } from "@assistant-ui/react";
import {
  createElement,
  useCallback,
  useContext,
  useEffect,
  useId,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
} from "react";
import {
  AttachButton,
  ComposerAttachmentChips,
  MessageAttachments,
  useFreshCopiesForEdit,
} from "@/components/chat/attachments";
import { loadWholeThread } from "@/components/chat/runtime/history-adapter";
import { useRuntimeCache } from "@/components/chat/runtime/runtime-cache";
import { useOwnThread } from "@/components/chat/runtime/thread-owner";
import { ReplyMarkdown } from "@/components/chat/reply-markdown";
import { MessageSources } from "@/components/chat/sources";
import { onDemand } from "@/lib/client/on-demand";
import { useHydrated } from "@/lib/client/use-hydrated";
import { openingWindow } from "@/lib/shared/chat-messages";
import { ToolsAvailableContext } from "@/components/chat/tools-available";
import { Icon } from "./icon";

// A tool call (in replies that have one) and the Tools menu's panel (once opened) load on demand.
const toolCallCode = onDemand(() => import("@/components/chat/tool-call"));
const toolsPanelCode = onDemand(() => import("@/components/chat/tools-menu"));

function ToolCall(props: ToolCallMessagePartProps) {
  const code = toolCallCode.useModule();
  if (code === "failed") return <span className="text-zinc-500">The tool call could not be shown.</span>;
  if (!code) return <span className="text-zinc-400">…</span>;
  return createElement(code.ToolCall, props);
}

function ToolsPanel({ id }: { id: string }) {
  const code = toolsPanelCode.useModule();
  if (code === "failed")
    return (
      <p role="alert" className="absolute bottom-full left-0 mb-2 text-sm text-red-700 dark:text-red-400">
        The tools could not be loaded.
      </p>
    );
  return code ? createElement(code.ToolsPanel, { id }) : null;
}

const focusRing = "focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-zinc-500";

const actionButton = `inline-flex items-center gap-1 rounded-md p-1.5 text-xs text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900 disabled:opacity-40 dark:text-zinc-400 dark:hover:bg-zinc-800 dark:hover:text-zinc-100 ${focusRing}`;

const primaryButton = `rounded-xl bg-zinc-900 p-2 text-white hover:bg-zinc-700 disabled:opacity-40 dark:bg-zinc-100 dark:text-zinc-900 dark:hover:bg-zinc-300 ${focusRing}`;

/**
 * The open thread. Someone else's thread shared with the caller is read-only (see ThreadView): no
 * composer, no edit, retry or branches, only the branch they were given to read.
 */
export function Thread() {
  const own = useOwnThread();
  return (
    <ThreadPrimitive.Root className="flex h-full flex-col bg-white dark:bg-zinc-950">
      {/* Files dropped anywhere on the thread are attached to the message being written. */}
      <ComposerPrimitive.AttachmentDropzone disabled={!own} className="group relative flex min-h-0 flex-1 flex-col">
        <p
          aria-hidden
          className="pointer-events-none absolute inset-2 z-10 hidden items-center justify-center rounded-2xl border-2 border-dashed border-zinc-400 bg-white/80 text-sm font-medium text-zinc-600 group-data-[dragging=true]:flex dark:bg-zinc-950/80 dark:text-zinc-300"
        >
          Drop files to attach them
        </p>
        <ThreadPrimitive.Viewport data-thread-viewport className="flex flex-1 flex-col overflow-y-auto px-4">
          <div className="mx-auto flex w-full max-w-3xl flex-1 flex-col gap-6 pt-6">
            {/* The welcome and loading lines grow to fill the screen, centring themselves. */}
            <AuiIf condition={(s) => s.thread.isLoading}>
              <p
                role="status"
                className="flex flex-1 items-center justify-center text-sm text-zinc-500 dark:text-zinc-400"
              >
                Loading messages…
              </p>
            </AuiIf>
            <AuiIf condition={(s) => s.thread.isEmpty && s.threadListItem.custom?.own === false}>
              <p className="flex flex-1 items-center justify-center text-sm text-zinc-500 dark:text-zinc-400">
                No messages yet.
              </p>
            </AuiIf>
            <AuiIf condition={(s) => s.thread.isEmpty && s.threadListItem.custom?.own !== false}>
              <div className="flex flex-1 flex-col items-center justify-center text-center">
                <p className="text-2xl font-semibold">How can I help?</p>
                <p className="mt-2 text-sm text-zinc-500 dark:text-zinc-400">
                  Your threads are private to you and saved as you go.
                </p>
              </div>
            </AuiIf>
            <WindowedMessages />
            {/* mt-auto keeps the composer at the bottom while the thread is shorter than the screen. */}
            <ThreadPrimitive.ViewportFooter className="sticky bottom-0 mt-auto bg-white pb-4 dark:bg-zinc-950">
              <ThreadPrimitive.ScrollToBottom
                aria-label="Scroll to bottom"
                className={`absolute -top-12 left-1/2 -translate-x-1/2 rounded-full border border-zinc-300 bg-white p-2 shadow-sm hover:bg-zinc-100 disabled:invisible dark:border-zinc-700 dark:bg-zinc-900 dark:hover:bg-zinc-800 ${focusRing}`}
              >
                <Icon>
                  <path d="M12 5v14M6 13l6 6 6-6" />
                </Icon>
              </ThreadPrimitive.ScrollToBottom>
              {/* An archived thread is read only until it is unarchived (see ThreadView); a shared one, always. */}
              <AuiIf
                condition={(s) => s.threadListItem.status !== "archived" && s.threadListItem.custom?.own !== false}
              >
                <Composer />
              </AuiIf>
            </ThreadPrimitive.ViewportFooter>
          </div>
        </ThreadPrimitive.Viewport>
      </ComposerPrimitive.AttachmentDropzone>
    </ThreadPrimitive.Root>
  );
}

/** Older messages added each time the reader nears the top (or asks for them). */
const olderStep = 50;

// Stable reference: MessageByIndex re-renders its row when its components change.
const messageComponents = { Message };

/**
 * The open thread's messages, the newest `openingWindow` first (the server-rendered copy in
 * ThreadView shows as many, so the live thread takes its place without a jump) and older ones as
 * the reader scrolls up: a thread of thousands opens as fast as a short one, and what is rendered is
 * what was read. A long thread's runtime holds only its newest part at first (history-adapter's
 * `load`): scrolling past it loads the whole thread. A search hit in an older message (the runtime cache's
 * `reveal`) widens the window to it and brings it into view, so finding text works however far back it is.
 */
function WindowedMessages() {
  const aui = useAui();
  const cache = useRuntimeCache();
  const threadKey = useAuiState((s) => s.threadListItem.id);
  const remoteId = useAuiState((s) => s.threadListItem.remoteId);
  const loading = useAuiState((s) => s.thread.isLoading);
  const running = useAuiState((s) => s.thread.isRunning);
  // A string, so streaming tokens (which change messages, not their ids) do not render the list again.
  const idsKey = useAuiState((s) => s.thread.messages.map((m) => m.id).join("\n"));
  const ids = useMemo(() => (idsKey ? idsKey.split("\n") : []), [idsKey]);
  // Read with the ids: the whole thread's import changes them.
  const hidden = (remoteId && cache.partialThreads.get(remoteId)?.hidden) || 0;
  const count = ids.length;
  const newest = Math.max(0, count - openingWindow);
  // Where the window starts, per thread: its first message, pinned once the thread has loaded, so new
  // messages add to it instead of sliding it and a whole load above it keeps it; a shorter branch
  // (an edit, another branch) still shows its newest.
  const [pinned, setPinned] = useState<{ threadKey: string; firstId: string } | null>(null);
  const pinnedIndex = pinned?.threadKey === threadKey ? ids.indexOf(pinned.firstId) : -1;
  const start = pinnedIndex < 0 ? newest : Math.min(pinnedIndex, newest);
  useEffect(() => {
    if (pinned?.threadKey !== threadKey && !loading && count > 0) setPinned({ threadKey, firstId: ids[newest]! });
  }, [pinned, threadKey, loading, count, ids, newest]);
  const loadWhole = useCallback(
    () => (remoteId && hidden > 0 ? loadWholeThread(aui, cache, remoteId).catch(() => false) : Promise.resolve(false)),
    [aui, cache, remoteId, hidden],
  );

  const list = useRef<HTMLDivElement>(null);
  // The first message on screen before older ones are added above it, kept where it was after.
  const anchor = useRef<{ id: string; top: number } | null>(null);
  const showFrom = useCallback(
    (index: number) => {
      const first = list.current?.querySelector<HTMLElement>("[data-message-id]");
      anchor.current = first ? { id: first.dataset.messageId!, top: first.getBoundingClientRect().top } : null;
      setPinned({ threadKey, firstId: ids[Math.max(0, Math.min(index, start))]! });
    },
    [threadKey, ids, start],
  );
  // Past the newest part: the whole thread first (the window keeps its first message), then the next step.
  const showOlder = useCallback(
    () => (hidden > 0 && start - olderStep < 0 ? void loadWhole() : showFrom(start - olderStep)),
    [showFrom, loadWhole, start, hidden],
  );
  useLayoutEffect(() => {
    const kept = anchor.current;
    anchor.current = null;
    if (!kept || !list.current) return;
    const el = list.current.querySelector<HTMLElement>(`[data-message-id="${CSS.escape(kept.id)}"]`);
    const viewport = list.current.closest("[data-thread-viewport]");
    if (el && viewport) viewport.scrollTop += el.getBoundingClientRect().top - kept.top;
  }, [start]);

  // A search hit: once this thread holds it, render from it and scroll it into view.
  const reveal = useSyncExternalStore(cache.reveal.subscribe, cache.reveal.get, () => null);
  const [target, setTarget] = useState<string | null>(null);
  useEffect(() => {
    if (!reveal || reveal.threadId !== remoteId || loading || count === 0) return;
    const index = ids.indexOf(reveal.messageId);
    // Older than the newest part the runtime holds: this runs again once the whole thread is in.
    if (hidden > 0 && index < 0) return void loadWhole();
    cache.reveal.set(null);
    // Not on the branch shown (the hit is in another branch): the thread opens as usual.
    if (index < 0) return;
    if (index < start) showFrom(Math.max(0, index - 2));
    setTarget(reveal.messageId);
  }, [cache, reveal, remoteId, loading, count, ids, start, showFrom, hidden, loadWhole]);
  useEffect(() => {
    if (!target) return;
    // After the viewport's own scroll to the bottom of a newly opened thread (the frame after it loads).
    // A later scroll (the viewport keeping to the bottom as replies above grow) can undo one, so it is
    // brought into view again until it has stayed there three frames running.
    let frames = 0;
    let tries = 0;
    let stayed = 0;
    let raf = requestAnimationFrame(function bringIntoView() {
      const el = list.current?.querySelector<HTMLElement>(`[data-message-id="${CSS.escape(target)}"]`);
      const viewport = list.current?.closest("[data-thread-viewport]");
      if (el && viewport && ++frames >= 2) {
        const box = el.getBoundingClientRect();
        const view = viewport.getBoundingClientRect();
        if (frames === 2) {
          el.scrollIntoView({ block: "center" });
          el.dataset.revealed = "";
          setTimeout(() => delete el.dataset.revealed, 3000);
        } else if (box.bottom > view.top && box.top < view.bottom) stayed++;
        else {
          stayed = 0;
          el.scrollIntoView({ block: "center" });
        }
        if (stayed >= 3) return setTarget(null);
      }
      if (++tries < 60) raf = requestAnimationFrame(bringIntoView);
      else setTarget(null);
    });
    return () => cancelAnimationFrame(raf);
  }, [target]);

  if (count === 0) return null;
  return (
    <div ref={list} className="flex flex-col gap-6">
      {start + hidden > 0 && <OlderMessages count={start + hidden} busy={running} onNear={showOlder} />}
      {ids.slice(start).map((id, i) => (
        <ThreadPrimitive.MessageByIndex key={id} index={start + i} components={messageComponents} />
      ))}
    </div>
  );
}

/**
 * Stands for the messages not rendered yet, above the first one that is: they are added when it
 * comes within reach of the screen (a screen and a half ahead), or when it is pressed.
 */
function OlderMessages({ count, busy, onNear }: { count: number; busy: boolean; onNear: () => void }) {
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const el = button.current;
    const root = el?.closest("[data-thread-viewport]");
    if (!el || !root) return;
    // A new observer for each count (and once a reply ends): one still in reach after a step reports so at once, and asks again.
    const observer = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && onNear(), {
      root,
      rootMargin: "1200px 0px 0px 0px",
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [count, busy, onNear]);
  return (
    // Never the scroll anchor: messages added below it must push it up, not the reader's place down.
    <div className="flex justify-center [overflow-anchor:none]">
      <button
        ref={button}
        type="button"
        onClick={onNear}
        className={`rounded-md px-2 py-1 text-xs text-zinc-500 hover:bg-zinc-100 dark:text-zinc-400 dark:hover:bg-zinc-800 ${focusRing}`}
      >
        Show earlier messages ({count})
      </button>
    </div>
  );
}

function Message() {
  const role = useAuiState((s) => s.message.role);
  const isEditing = useAuiState((s) => s.message.composer.isEditing);
  if (role === "user") return isEditing ? <EditComposer /> : <UserMessage />;
  if (role === "assistant") return <AssistantMessage />;
  return null;
}

function Composer() {
  const hydrated = useHydrated();
  const running = useAuiState((s) => s.thread.isRunning);
  const toolsAvailable = useContext(ToolsAvailableContext);
  return (
    <ComposerPrimitive.Root className="rounded-2xl border border-zinc-300 bg-white p-2 shadow-sm focus-within:border-zinc-500 focus-within:ring-2 focus-within:ring-zinc-500/50 dark:border-zinc-700 dark:bg-zinc-900 dark:focus-within:border-zinc-500">
      <ComposerAttachmentChips />
      <div className="flex items-end gap-2">
        <AttachButton className={`${actionButton} mb-1`} disabled={!hydrated} />
        {toolsAvailable && <ToolsButton disabled={!hydrated} />}
        {/* submitMode="enter": Enter sends, Shift+Enter inserts a newline; a pasted image is attached. */}
        <ComposerPrimitive.Input
          aria-label="Message"
          placeholder="Send a message…"
          rows={1}
          autoFocus
          submitMode="enter"
          disabled={!hydrated}
          className="max-h-48 min-h-9 flex-1 resize-none bg-transparent px-2 py-1.5 text-sm outline-none placeholder:text-zinc-400"
        />
        {/* Both stay mounted and take turns: the Stop a person aims at is one node from the start
            of a reply to its end, never swapped out under the pointer as the run's state changes. */}
        <ComposerPrimitive.Send aria-label="Send" hidden={running} className={primaryButton}>
          <Icon>
            <path d="M5 12h14M13 6l6 6-6 6" />
          </Icon>
        </ComposerPrimitive.Send>
        <ComposerPrimitive.Cancel aria-label="Stop" hidden={!running} className={primaryButton}>
          <svg aria-hidden viewBox="0 0 24 24" className="size-4" fill="currentColor">
            <rect x="6" y="6" width="12" height="12" rx="2" />
          </svg>
        </ComposerPrimitive.Cancel>
      </div>
    </ComposerPrimitive.Root>
  );
}

/**
 * "Tools": opens the thread's tools (ToolsPanel) above the composer; Escape or a click elsewhere
 * closes it, and focus goes back to the button.
 */
function ToolsButton({ disabled }: { disabled: boolean }) {
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!open) return;
    const onPointer = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "Escape") return;
      setOpen(false);
      button.current?.focus();
    };
    document.addEventListener("pointerdown", onPointer);
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("pointerdown", onPointer);
      document.removeEventListener("keydown", onKey);
    };
  }, [open]);
  return (
    <div ref={root} className="relative mb-1">
      <button
        ref={button}
        type="button"
        aria-label="Tools"
        title="Tools"
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        disabled={disabled}
        onClick={() => setOpen((o) => !o)}
        className={actionButton}
      >
        <Icon>
          <path d="M14.7 6.3a4 4 0 0 0-5.4 5.4L3 18l3 3 6.3-6.3a4 4 0 0 0 5.4-5.4l-2.5 2.5-2.4-.6-.6-2.4z" />
        </Icon>
      </button>
      {open && <ToolsPanel id={panelId} />}
    </div>
  );
}

// pre-wrap keeps the user's spacing (pasted code, indented lists) as typed.
const UserText = () => <MessagePartPrimitive.Text component="p" smooth={false} className="whitespace-pre-wrap" />;

/** Marks a message's row: found by a search hit (WindowedMessages), highlighted a moment once revealed. */
const messageRow = "rounded-2xl data-[revealed]:ring-2 data-[revealed]:ring-amber-400 data-[revealed]:ring-offset-4";

function UserMessage() {
  const own = useOwnThread();
  const id = useAuiState((s) => s.message.id);
  return (
    <MessagePrimitive.Root
      data-role="user"
      data-message-id={id}
      className={`flex flex-col items-end gap-1 ${messageRow}`}
    >
      <MessageAttachments />
      <AuiIf condition={(s) => s.message.parts.some((p) => p.type === "text" && p.text.length > 0)}>
        <div className="max-w-[85%] rounded-2xl bg-zinc-100 px-4 py-2 break-words dark:bg-zinc-800">
          <MessagePrimitive.Parts components={{ Text: UserText }} />
        </div>
      </AuiIf>
      <div className="flex items-center gap-1">
        {own && <BranchPicker />}
        <ActionBarPrimitive.Root hideWhenRunning className="flex gap-1">
          {own && (
            <ActionBarPrimitive.Edit aria-label="Edit" className={actionButton}>
              <Icon>
                <path d="M4 20h4L19 9l-4-4L4 16v4z" />
              </Icon>
            </ActionBarPrimitive.Edit>
          )}
          <CopyButton />
        </ActionBarPrimitive.Root>
      </div>
    </MessagePrimitive.Root>
  );
}

function EditComposer() {
  useFreshCopiesForEdit();
  const id = useAuiState((s) => s.message.id);
  return (
    <MessagePrimitive.Root data-role="user" data-message-id={id} className="flex justify-end">
      <ComposerPrimitive.Root className="flex w-full max-w-[85%] flex-col gap-2 rounded-2xl border border-zinc-300 bg-white p-2 focus-within:border-zinc-500 focus-within:ring-2 focus-within:ring-zinc-500/50 dark:border-zinc-700 dark:bg-zinc-900">
        <ComposerAttachmentChips />
        <ComposerPrimitive.Input
          aria-label="Edit message"
          autoFocus
          submitMode="enter"
          className="max-h-64 min-h-9 resize-none bg-transparent px-2 py-1 text-sm outline-none"
        />
        <div className="flex justify-end gap-2">
          <ComposerPrimitive.Cancel
            className={`rounded-md px-3 py-1 text-xs hover:bg-zinc-100 dark:hover:bg-zinc-800 ${focusRing}`}
          >
            Cancel
          </ComposerPrimitive.Cancel>
          {/* Sending an edit adds a new branch next to the original message. */}
          <ComposerPrimitive.Send
            className={`rounded-md bg-zinc-900 px-3 py-1 text-xs text-white hover:bg-zinc-700 disabled:opacity-40 dark:bg-zinc-100 dark:text-zinc-900 ${focusRing}`}
          >
            Save
          </ComposerPrimitive.Send>
        </div>
      </ComposerPrimitive.Root>
    </MessagePrimitive.Root>
  );
}

function Waiting({ status }: EmptyMessagePartProps) {
  if (status.type !== "running") return null;
  return (
    <span className="inline-flex gap-1 py-2" aria-label="Waiting for the reply" role="img">
      {[0, 150, 300].map((delay) => (
        <span
          key={delay}
          className="size-1.5 animate-bounce rounded-full bg-zinc-400"
          style={{ animationDelay: `${delay}ms` }}
        />
      ))}
    </span>
  );
}

/**
 * What a reasoning model thought before answering: open while it thinks, folded once the answer
 * starts (a click opens or folds it for good), kept with the message.
 */
function Reasoning({ text, status }: ReasoningMessagePartProps) {
  const answering = useAuiState((s) => s.message.parts.some((p) => p.type === "text" && p.text.length > 0));
  const [choice, setChoice] = useState<boolean | null>(null);
  const open = choice ?? (status.type === "running" && !answering);
  return (
    <details
      open={open}
      onToggle={(event) => {
        if (event.currentTarget.open !== open) setChoice(event.currentTarget.open);
      }}
      className="mb-3 rounded-md border border-zinc-200 px-3 py-2 text-sm dark:border-zinc-800"
    >
      <summary className={`cursor-pointer text-zinc-600 select-none dark:text-zinc-400 ${focusRing}`}>Thinking</summary>
      <p className="mt-2 whitespace-pre-wrap text-zinc-600 dark:text-zinc-400">{text}</p>
    </details>
  );
}

// Stable reference, like messageComponents. Tool calls render plainly, whichever tool they name.
const assistantParts = { Text: ReplyMarkdown, Reasoning, Empty: Waiting, tools: { Override: ToolCall } };

function AssistantMessage() {
  const own = useOwnThread();
  const id = useAuiState((s) => s.message.id);
  return (
    <MessagePrimitive.Root data-role="assistant" data-message-id={id} className={`flex flex-col gap-1 ${messageRow}`}>
      <div className="max-w-full text-[0.95rem]">
        <MessagePrimitive.Parts components={assistantParts} />
        {/* A project reply's sources come before its first word: the dots say the words are still on the way. */}
        <AuiIf
          condition={(s) =>
            s.message.status?.type === "running" &&
            s.message.parts.length > 0 &&
            s.message.parts.every((p) => p.type === "source")
          }
        >
          <Waiting status={{ type: "running" }} />
        </AuiIf>
        <MessageSources />
        <MessagePrimitive.Error>
          <ErrorPrimitive.Root
            role="alert"
            className="mt-2 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200"
          >
            <ErrorPrimitive.Message />
          </ErrorPrimitive.Root>
        </MessagePrimitive.Error>
      </div>
      <div className="flex items-center gap-1">
        {own && <BranchPicker />}
        <ActionBarPrimitive.Root hideWhenRunning className="flex gap-1">
          <CopyButton />
          {own && (
            <ActionBarPrimitive.Reload aria-label="Retry" className={actionButton}>
              <Icon>
                <path d="M4 12a8 8 0 0 1 14-5.3M20 4v4h-4M20 12a8 8 0 0 1-14 5.3M4 20v-4h4" />
              </Icon>
            </ActionBarPrimitive.Reload>
          )}
        </ActionBarPrimitive.Root>
      </div>
    </MessagePrimitive.Root>
  );
}

function CopyButton() {
  return (
    <ActionBarPrimitive.Copy aria-label="Copy" className={actionButton}>
      <AuiIf condition={(s) => !s.message.isCopied}>
        <Icon>
          <path d="M8 8h12v12H8zM4 16V4h12" />
        </Icon>
      </AuiIf>
      <AuiIf condition={(s) => s.message.isCopied}>
        <Icon>
          <path d="M5 12l5 5L20 7" />
        </Icon>
      </AuiIf>
    </ActionBarPrimitive.Copy>
  );
}

function BranchPicker() {
  return (
    <BranchPickerPrimitive.Root
      hideWhenSingleBranch
      className="flex items-center gap-1 text-xs text-zinc-500 dark:text-zinc-400"
    >
      <BranchPickerPrimitive.Previous aria-label="Previous branch" className={actionButton}>
        <Icon>
          <path d="M15 18l-6-6 6-6" />
        </Icon>
      </BranchPickerPrimitive.Previous>
      <span className="tabular-nums">
        <BranchPickerPrimitive.Number /> / <BranchPickerPrimitive.Count />
      </span>
      <BranchPickerPrimitive.Next aria-label="Next branch" className={actionButton}>
        <Icon>
          <path d="M9 6l6 6-6 6" />
        </Icon>
      </BranchPickerPrimitive.Next>
    </BranchPickerPrimitive.Root>
  );
}
