"use client";

import { useState } from "react";
import { ChatRuntimeProvider } from "@/components/chat-runtime-provider";
import { KeyboardShortcuts } from "@/components/keyboard-shortcuts";
import { ModelSelect } from "@/components/model-select";
import { ReloadOnAuth } from "@/components/reload-on-auth";
import { SignOutButton } from "@/components/sign-out-button";
import { ThreadExport } from "@/components/thread-export";
import { ThemeSelect } from "@/components/theme-select";
import { Thread } from "@/components/thread";
import { ThreadList } from "@/components/thread-list";
import { ThreadSearch } from "@/components/thread-search";

export function ChatApp({
  user,
  model,
}: {
  user: { id: string; name: string };
  model: { label: string; isDemo: boolean; offered: string[] };
}) {
  const [sidebarOpen, setSidebarOpen] = useState(false);
  return (
    <ChatRuntimeProvider models={model.offered}>
      <ReloadOnAuth initialUserId={user.id} />
      <div className="flex h-dvh flex-col">
        <header className="flex items-center gap-2 border-b border-zinc-200 px-3 py-2 dark:border-zinc-800">
          <button
            type="button"
            className="rounded-md p-1.5 hover:bg-zinc-100 md:hidden dark:hover:bg-zinc-800"
            aria-label={sidebarOpen ? "Hide threads" : "Show threads"}
            aria-expanded={sidebarOpen}
            aria-controls="threads-sidebar"
            onClick={() => setSidebarOpen((open) => !open)}
          >
            <svg aria-hidden viewBox="0 0 24 24" className="size-5" fill="none" stroke="currentColor" strokeWidth="2">
              <path d="M4 6h16M4 12h16M4 18h16" />
            </svg>
          </button>
          <span className="font-semibold">Threadkeeper</span>
          {model.offered.length > 1 ? (
            <ModelSelect />
          ) : (
            <span className="text-xs text-zinc-500" title="The model answering in this app">
              {model.isDemo ? null : model.label}
            </span>
          )}
          <div className="ml-auto flex items-center gap-3">
            <ThreadExport />
            <ThemeSelect />
            <KeyboardShortcuts />
            <span className="max-w-40 truncate text-sm" data-testid="current-user">
              {user.name}
            </span>
            <a href="/account" className="rounded-md px-2 py-1 text-sm text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900 dark:text-zinc-400 dark:hover:bg-zinc-800 dark:hover:text-zinc-100">
              Account
            </a>
            <SignOutButton />
          </div>
        </header>
        {model.isDemo && (
          <p role="status" className="border-b border-amber-200 bg-amber-50 px-4 py-2 text-sm text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-200">
            <strong>Demo model</strong>: no model is configured, so replies are canned and not from an AI. Set{" "}
            <code>OPENAI_API_KEY</code>, or <code>OPENAI_BASE_URL</code> for a local OpenAI-compatible server, and restart.
          </p>
        )}
        <div className="relative flex min-h-0 flex-1">
          <nav
            id="threads-sidebar"
            aria-label="Threads"
            className={`${sidebarOpen ? "flex" : "hidden"} absolute inset-y-0 left-0 z-20 w-72 flex-col border-r border-zinc-200 bg-white md:static md:flex dark:border-zinc-800 dark:bg-zinc-950`}
            onClick={(event) => {
              // On a phone, opening a thread closes the drawer.
              if ((event.target as HTMLElement).closest("[data-thread-trigger]")) setSidebarOpen(false);
            }}
          >
            <ThreadSearch />
            <ThreadList />
          </nav>
          <main className="min-w-0 flex-1">
            <Thread />
          </main>
        </div>
      </div>
    </ChatRuntimeProvider>
  );
}
