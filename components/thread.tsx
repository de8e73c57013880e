"use client";

import {
  ActionBarPrimitive,
  AuiIf,
  BranchPickerPrimitive,
  ComposerPrimitive,
  ErrorPrimitive,
  MessagePrimitive,
  ThreadPrimitive,
} from "@assistant-ui/react";
import type { ComponentProps } from "react";
import { MarkdownText } from "@/components/markdown-text";
import { useHydrated } from "@/lib/use-hydrated";

const iconButton =
  "inline-flex items-center gap-1 rounded-md px-2 py-1 text-xs text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-zinc-500 disabled:opacity-40 dark:text-zinc-400 dark:hover:bg-zinc-800 dark:hover:text-zinc-100";

function Icon({ d, ...props }: { d: string } & ComponentProps<"svg">) {
  return (
    <svg aria-hidden viewBox="0 0 24 24" className="size-4" fill="none" stroke="currentColor" strokeWidth="2" {...props}>
      <path d={d} strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}

export function Thread() {
  return (
    <ThreadPrimitive.Root className="flex h-full flex-col">
      <ThreadPrimitive.Viewport className="flex flex-1 flex-col overflow-y-auto px-4 pt-6">
        <AuiIf condition={(s) => s.thread.isEmpty}>
          <div className="mx-auto my-auto max-w-md text-center">
            <p className="text-2xl font-semibold">How can I help?</p>
            <p className="mt-2 text-sm text-zinc-500">Your threads are private to you and saved as you go.</p>
          </div>
        </AuiIf>
        <div className="mx-auto w-full max-w-3xl space-y-6">
          <ThreadPrimitive.Messages components={{ UserMessage, AssistantMessage, EditComposer }} />
        </div>
        <div className="min-h-6 flex-1" />
        <ThreadPrimitive.ViewportFooter className="sticky bottom-0 mx-auto w-full max-w-3xl bg-white pb-4 dark:bg-zinc-950">
          <Composer />
        </ThreadPrimitive.ViewportFooter>
      </ThreadPrimitive.Viewport>
    </ThreadPrimitive.Root>
  );
}

function Composer() {
  const hydrated = useHydrated();
  return (
    <ComposerPrimitive.Root className="flex items-end gap-2 rounded-2xl border border-zinc-300 bg-white p-2 shadow-sm focus-within:border-zinc-500 dark:border-zinc-700 dark:bg-zinc-900">
      <ComposerPrimitive.Input
        aria-label="Message"
        placeholder="Send a message…"
        rows={1}
        autoFocus
        submitMode="enter"
        disabled={!hydrated}
        className="max-h-48 min-h-9 flex-1 resize-none bg-transparent px-2 py-1.5 text-sm outline-none"
      />
      <AuiIf condition={(s) => !s.thread.isRunning}>
        <ComposerPrimitive.Send
          aria-label="Send"
          className="rounded-xl bg-zinc-900 p-2 text-white hover:bg-zinc-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-zinc-500 disabled:opacity-40 dark:bg-zinc-100 dark:text-zinc-900"
        >
          <Icon d="M5 12h14M13 6l6 6-6 6" />
        </ComposerPrimitive.Send>
      </AuiIf>
      <AuiIf condition={(s) => s.thread.isRunning}>
        <ComposerPrimitive.Cancel
          aria-label="Stop"
          className="rounded-xl bg-zinc-900 p-2 text-white hover:bg-zinc-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-zinc-500 dark:bg-zinc-100 dark:text-zinc-900"
        >
          <svg aria-hidden viewBox="0 0 24 24" className="size-4" fill="currentColor">
            <rect x="6" y="6" width="12" height="12" rx="2" />
          </svg>
        </ComposerPrimitive.Cancel>
      </AuiIf>
    </ComposerPrimitive.Root>
  );
}

function UserMessage() {
  return (
    <MessagePrimitive.Root data-role="user" className="group flex flex-col items-end gap-1">
      <div className="max-w-[85%] rounded-2xl bg-zinc-100 px-4 py-2 whitespace-pre-wrap break-words dark:bg-zinc-800">
        <MessagePrimitive.Parts />
      </div>
      <div className="flex items-center gap-1">
        <BranchPicker />
        <ActionBarPrimitive.Root hideWhenRunning className="flex gap-1">
          <ActionBarPrimitive.Edit aria-label="Edit" className={iconButton}>
            <Icon d="M4 20h4L19 9l-4-4L4 16v4z" />
          </ActionBarPrimitive.Edit>
          <ActionBarPrimitive.Copy aria-label="Copy" className={iconButton}>
            <Icon d="M8 8h12v12H8zM4 16V4h12" />
          </ActionBarPrimitive.Copy>
        </ActionBarPrimitive.Root>
      </div>
    </MessagePrimitive.Root>
  );
}

function EditComposer() {
  return (
    <ComposerPrimitive.Root className="ml-auto flex w-full max-w-[85%] flex-col gap-2 rounded-2xl border border-zinc-300 p-2 dark:border-zinc-700">
      <ComposerPrimitive.Input aria-label="Edit message" className="min-h-9 resize-none bg-transparent px-2 py-1 text-sm outline-none" />
      <div className="flex justify-end gap-2">
        <ComposerPrimitive.Cancel className={iconButton}>Cancel</ComposerPrimitive.Cancel>
        <ComposerPrimitive.Send className="rounded-md bg-zinc-900 px-3 py-1 text-xs text-white dark:bg-zinc-100 dark:text-zinc-900">
          Save
        </ComposerPrimitive.Send>
      </div>
    </ComposerPrimitive.Root>
  );
}

function AssistantMessage() {
  return (
    <MessagePrimitive.Root data-role="assistant" className="group flex flex-col gap-1">
      <div className="max-w-full text-[0.95rem]">
        <MessagePrimitive.Parts components={{ Text: MarkdownText }} />
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
        <BranchPicker />
        <ActionBarPrimitive.Root hideWhenRunning autohide="never" className="flex gap-1">
          <ActionBarPrimitive.Copy aria-label="Copy" className={iconButton}>
            <Icon d="M8 8h12v12H8zM4 16V4h12" />
          </ActionBarPrimitive.Copy>
          <ActionBarPrimitive.Reload aria-label="Retry" className={iconButton}>
            <Icon d="M4 12a8 8 0 0 1 14-5.3M20 4v4h-4M20 12a8 8 0 0 1-14 5.3M4 20v-4h4" />
          </ActionBarPrimitive.Reload>
        </ActionBarPrimitive.Root>
      </div>
    </MessagePrimitive.Root>
  );
}

function BranchPicker() {
  return (
    <BranchPickerPrimitive.Root hideWhenSingleBranch className="flex items-center gap-1 text-xs text-zinc-500">
      <BranchPickerPrimitive.Previous aria-label="Previous branch" className={iconButton}>
        <Icon d="M15 18l-6-6 6-6" />
      </BranchPickerPrimitive.Previous>
      <span>
        <BranchPickerPrimitive.Number /> / <BranchPickerPrimitive.Count />
      </span>
      <BranchPickerPrimitive.Next aria-label="Next branch" className={iconButton}>
        <Icon d="M9 6l6 6-6 6" />
      </BranchPickerPrimitive.Next>
    </BranchPickerPrimitive.Root>
  );
}
