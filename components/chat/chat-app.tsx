"use client";

import { useState, type ReactNode } from "react";
import type { AttachmentLimits } from "@/components/chat/attachment-adapter";
import { ChatRuntimeProvider } from "@/components/chat/chat-runtime-provider";
import { SpaceContext, SpaceNameContext } from "@/components/chat/runtime/space-guard";
import { KeyboardShortcuts } from "@/components/chat/keyboard-shortcuts";
import { ModelSelect } from "@/components/chat/model-select";
import { ReloadOnAuth } from "@/components/chat/reload-on-auth";
import { ResumeReply } from "@/components/chat/runtime/resume-reply";
import { SignOutButton } from "@/components/account/sign-out-button";
import { ThreadExport } from "@/components/chat/thread-export";
import { ThemeSelect } from "@/components/theme-select";
import { ThreadList } from "@/components/chat/thread-list";
import { ThreadSearch } from "@/components/chat/thread-search";
import { ThreadUrlSync } from "@/components/chat/thread-url-sync";
import { ToolsAvailableContext } from "@/components/chat/tools-available";
import { SpaceKeeper } from "@/components/workspaces/space-keeper";
import { WorkspaceSwitcher } from "@/components/workspaces/workspace-switcher";
import { spacePath, type WorkspaceJson } from "@/lib/shared/workspaces";

const headerLink =
  "rounded-md px-2 py-1 text-sm text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900 dark:text-zinc-400 dark:hover:bg-zinc-800 dark:hover:text-zinc-100";
const iconButton =
  "inline-flex min-h-11 min-w-11 items-center justify-center rounded-md hover:bg-zinc-100 md:hidden dark:hover:bg-zinc-800";

/**
 * The signed-in app around the open thread (`children`: the page for `/`, `/chat/:id`, `/w/:slug`
 * or `/w/:slug/chat/:id`), in one space: `space.workspace`, or the personal space when null. On a
 * phone the thread list (with the space switcher) is a drawer behind "Threads" and the header's
 * actions fold into a menu.
 */
export function ChatApp({
  user,
  model,
  attachmentLimits,
  tools,
  space,
  children,
}: {
  user: { id: string; name: string; isAdmin: boolean };
  model: { label: string; isDemo: boolean; offered: string[] };
  attachmentLimits: AttachmentLimits;
  /** Whether the person may use any tool (MCP): the composer's Tools menu is there only then. */
  tools: boolean;
  space: { workspace: WorkspaceJson | null; workspaces: WorkspaceJson[]; canCreate: boolean };
  children: ReactNode;
}) {
  const [sidebarOpen, setSidebarOpen] = useState(false);
  const [menuOpen, setMenuOpen] = useState(false);
  const workspaceId = space.workspace?.id ?? null;
  return (
    // One runtime per space (the key): a list, a search or a thread read in one space is never
    // shown in another, even when React keeps this component across a move between spaces.
    <ChatRuntimeProvider
      key={workspaceId ?? "personal"}
      models={model.offered}
      attachmentLimits={attachmentLimits}
      workspaceId={workspaceId}
    >
      <ToolsAvailableContext.Provider value={tools}>
        <SpaceContext.Provider value={workspaceId}>
          <SpaceNameContext.Provider value={space.workspace?.name ?? null}>
            <ReloadOnAuth initialUserId={user.id} />
            <SpaceKeeper workspaceId={workspaceId} />
            <ThreadUrlSync spacePath={spacePath(space.workspace)} />
            <ResumeReply />
            <div className="flex h-dvh flex-col">
              <header className="relative flex min-w-0 items-center gap-2 border-b border-zinc-200 px-2 py-1 md:px-3 md:py-2 dark:border-zinc-800">
                <button
                  type="button"
                  className={iconButton}
                  aria-label="Threads"
                  aria-expanded={sidebarOpen}
                  aria-controls="threads-sidebar"
                  onClick={() => setSidebarOpen((open) => !open)}
                >
                  <svg
                    aria-hidden
                    viewBox="0 0 24 24"
                    className="size-5"
                    fill="none"
                    stroke="currentColor"
                    strokeWidth="2"
                  >
                    <path d="M4 6h16M4 12h16M4 18h16" />
                  </svg>
                </button>
                {/* On a phone the space's name takes its place: the header has room for one. */}
                <span className="shrink-0 font-semibold max-sm:sr-only">Threadkeeper</span>
                {/* Where the person is, always in view (the switcher itself is in the drawer on a phone). */}
                <span
                  className="min-w-0 shrink truncate rounded-md bg-zinc-100 px-2 py-0.5 text-sm font-medium dark:bg-zinc-800"
                  data-testid="current-space"
                  title={space.workspace ? `Workspace: ${space.workspace.name}` : "Your personal space"}
                >
                  {space.workspace?.name ?? "Personal"}
                </span>
                {model.offered.length > 1 ? (
                  <ModelSelect />
                ) : (
                  <span
                    className="truncate text-xs text-zinc-500 dark:text-zinc-400"
                    title="The model answering in this app"
                  >
                    {model.isDemo ? null : model.label}
                  </span>
                )}
                <button
                  type="button"
                  className={`${iconButton} ml-auto`}
                  aria-label="Menu"
                  aria-expanded={menuOpen}
                  aria-controls="header-actions"
                  onClick={() => setMenuOpen((open) => !open)}
                >
                  <svg aria-hidden viewBox="0 0 24 24" className="size-5" fill="currentColor">
                    <circle cx="12" cy="5" r="1.8" />
                    <circle cx="12" cy="12" r="1.8" />
                    <circle cx="12" cy="19" r="1.8" />
                  </svg>
                </button>
                {/* One set of actions: a row from md up, a menu below the header on a phone. */}
                <div
                  id="header-actions"
                  className={`${menuOpen ? "flex" : "hidden"} absolute top-full right-2 z-30 flex-col items-start gap-3 rounded-md border border-zinc-200 bg-white p-3 shadow-lg md:static md:ml-auto md:flex md:flex-row md:items-center md:border-0 md:bg-transparent md:p-0 md:shadow-none dark:border-zinc-800 dark:bg-zinc-950 md:dark:bg-transparent`}
                >
                  <ThreadExport />
                  <ThemeSelect />
                  <KeyboardShortcuts />
                  <span className="max-w-40 truncate text-sm" data-testid="current-user">
                    {user.name}
                  </span>
                  {user.isAdmin && (
                    <a href="/admin" className={headerLink}>
                      Admin
                    </a>
                  )}
                  <a href="/account" className={headerLink}>
                    Account
                  </a>
                  <SignOutButton />
                </div>
              </header>
              {model.isDemo && (
                <p
                  role="status"
                  className="border-b border-amber-200 bg-amber-50 px-4 py-2 text-sm text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-200"
                >
                  <strong>Demo model</strong>: no model is configured, so replies are canned and not from an AI. Set{" "}
                  <code>OPENAI_API_KEY</code>, or <code>OPENAI_BASE_URL</code> for a local OpenAI-compatible server, and
                  restart.
                </p>
              )}
              <div className="relative flex min-h-0 flex-1">
                <nav
                  id="threads-sidebar"
                  aria-label="Threads"
                  className={`${sidebarOpen ? "flex" : "hidden"} absolute inset-y-0 left-0 z-20 w-72 max-w-[85vw] flex-col border-r border-zinc-200 bg-white md:static md:flex dark:border-zinc-800 dark:bg-zinc-950`}
                  onClick={(event) => {
                    // On a phone, opening a thread (from the list, the search or New thread) closes the drawer.
                    if ((event.target as HTMLElement).closest("[data-thread-trigger]")) setSidebarOpen(false);
                  }}
                >
                  <WorkspaceSwitcher
                    active={space.workspace}
                    workspaces={space.workspaces}
                    canCreate={space.canCreate}
                  />
                  <ThreadSearch workspaceId={workspaceId} />
                  <ThreadList spacePath={spacePath(space.workspace)} />
                </nav>
                <main className="min-w-0 flex-1">{children}</main>
              </div>
            </div>
          </SpaceNameContext.Provider>
        </SpaceContext.Provider>
      </ToolsAvailableContext.Provider>
    </ChatRuntimeProvider>
  );
}
