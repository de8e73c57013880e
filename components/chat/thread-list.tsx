"use client";

import { AuiIf, ThreadListItemPrimitive, ThreadListPrimitive, useAui, useAuiState } from "@assistant-ui/react";
import { createContext, useContext, useEffect, useMemo, useRef, useState } from "react";
import { api, ApiClientError } from "@/lib/client/api-client";
import { activityGroups } from "@/lib/shared/activity-groups";
import { ProjectList } from "@/components/chat/project-list";
import { SharedThreads } from "@/components/chat/shared-threads";
import { Icon } from "./icon";

const focusRing = "focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-zinc-500";

const smallButton = `rounded px-1.5 py-0.5 text-xs text-zinc-600 hover:bg-zinc-200 hover:text-zinc-900 dark:text-zinc-400 dark:hover:bg-zinc-700 dark:hover:text-zinc-100 ${focusRing}`;

type View = "chats" | "archived";

type Item = { id: string; custom?: Record<string, unknown> };

/**
 * Pins as this tab knows them: the server's (each thread's `custom.pinnedAt`, from the adapter)
 * and, by thread id, what was pinned, unpinned or archived (which unpins) here since.
 */
type Pins = {
  changed: ReadonlyMap<string, string | null>;
  /** Why the last pin or unpin failed (the server's message, e.g. the limit); null once one succeeds. */
  error: string | null;
  /** Pins or unpins the thread (`remoteId` its id on the server); its Pin/Unpin button then takes the focus in its new place. */
  setPinned: (id: string, remoteId: string, pinned: boolean) => Promise<void>;
  /** The thread was archived: the server has unpinned it. */
  unpinned: (id: string) => void;
  /** True once for the thread just pinned or unpinned: its Pin/Unpin button, shown in its new place, takes the focus. */
  takeFocus: (id: string) => boolean;
};

const PinsContext = createContext<Pins | null>(null);

function usePins(): Pins {
  const pins = useContext(PinsContext);
  if (!pins) throw new Error("usePins outside ThreadList");
  return pins;
}

/** When the thread was pinned (an ISO time), null when it is not. */
function pinnedAtOf(item: Item | undefined, changed: Pins["changed"]): string | null {
  if (!item) return null;
  if (changed.has(item.id)) return changed.get(item.id) ?? null;
  return item.custom?.own !== false && typeof item.custom?.pinnedAt === "string" ? item.custom.pinnedAt : null;
}

/** `spacePath`: where the page's space lives ("" personal, `/w/:slug`), for the Projects' thread links. */
export function ThreadList({ spacePath }: { spacePath: string }) {
  const pins = usePinsState();
  return (
    <PinsContext.Provider value={pins}>
      <ThreadListView spacePath={spacePath} />
    </PinsContext.Provider>
  );
}

/** The pins this tab knows and changes, for the list's items and sections. */
function usePinsState(): Pins {
  const [changed, setChanged] = useState<ReadonlyMap<string, string | null>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const focusRequest = useRef<string | null>(null);
  return useMemo<Pins>(
    () => ({
      changed,
      error,
      takeFocus(id) {
        if (focusRequest.current !== id) return false;
        focusRequest.current = null;
        return true;
      },
      async setPinned(id, remoteId, pinned) {
        try {
          const thread = await api.updateThread(remoteId, { pinned });
          setError(null);
          focusRequest.current = id;
          setChanged((m) => new Map(m).set(id, thread.pinnedAt));
        } catch (failure) {
          setError(
            failure instanceof ApiClientError
              ? failure.message
              : `Could not ${pinned ? "pin" : "unpin"} the thread. Try again.`,
          );
        }
      },
      unpinned: (id) => setChanged((m) => new Map(m).set(id, null)),
    }),
    [changed, error],
  );
}

function ThreadListView({ spacePath }: { spacePath: string }) {
  const [view, setView] = useState<View>("chats");
  const { error: pinError } = usePins();
  return (
    <ThreadListPrimitive.Root className="flex h-full flex-col gap-2 p-2">
      <ThreadListPrimitive.New
        data-thread-trigger
        className={`flex items-center gap-2 rounded-md border border-zinc-300 px-3 py-2 text-left text-sm font-medium hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800 ${focusRing}`}
      >
        <Icon>
          <path d="M12 5v14M5 12h14" />
        </Icon>
        New thread
      </ThreadListPrimitive.New>
      <div className="flex gap-1 text-sm" role="group" aria-label="Thread view">
        {(["chats", "archived"] as const).map((v) => (
          <button
            key={v}
            type="button"
            aria-pressed={view === v}
            onClick={() => setView(v)}
            className={`flex-1 rounded-md px-2 py-1 text-zinc-600 hover:bg-zinc-100 aria-pressed:bg-zinc-200 aria-pressed:font-medium aria-pressed:text-zinc-900 dark:text-zinc-400 dark:hover:bg-zinc-800 dark:aria-pressed:bg-zinc-800 dark:aria-pressed:text-zinc-100 ${focusRing}`}
          >
            {v === "chats" ? "Chats" : "Archived"}
          </button>
        ))}
      </div>
      <div className="-mx-2 flex-1 overflow-y-auto px-2">
        {pinError && (
          <p
            role="alert"
            className="mb-2 rounded-md bg-red-50 px-2 py-1.5 text-sm text-red-800 dark:bg-red-950 dark:text-red-200"
          >
            {pinError}
          </p>
        )}
        {view === "chats" && <PinnedItems />}
        {view === "chats" && <ProjectList spacePath={spacePath} />}
        <AuiIf condition={(s) => s.threads.isLoading}>
          <p role="status" className="px-2 py-1 text-sm text-zinc-500 dark:text-zinc-400">
            Loading threads…
          </p>
        </AuiIf>
        <LoadError />
        {/* `key` remounts the list per view, so an open rename or delete prompt never carries over. */}
        <GroupedItems key={view} archived={view === "archived"} />
        <AuiIf
          condition={(s) =>
            !s.threads.isLoading &&
            listedIds(view === "archived" ? s.threads.archivedThreadIds : s.threads.threadIds, s.threads.threadItems)
              .length === 0
          }
        >
          <p className="px-2 py-1 text-sm text-zinc-500 dark:text-zinc-400">
            {view === "archived" ? "No archived threads." : "No threads yet."}
          </p>
        </AuiIf>
        {/* The adapter pages both statuses together, so one button serves both views. */}
        <AuiIf condition={(s) => s.threads.hasMore}>
          <ThreadListPrimitive.LoadMore
            className={`mt-2 w-full rounded-md px-2 py-1 text-sm text-zinc-600 hover:bg-zinc-100 disabled:opacity-60 dark:text-zinc-400 dark:hover:bg-zinc-800 ${focusRing}`}
          >
            <AuiIf condition={(s) => !s.threads.isLoadingMore}>Load more</AuiIf>
            <AuiIf condition={(s) => s.threads.isLoadingMore}>Loading…</AuiIf>
          </ThreadListPrimitive.LoadMore>
        </AuiIf>
        {view === "chats" && <SharedThreads />}
      </div>
    </ThreadListPrimitive.Root>
  );
}

function LoadError() {
  const aui = useAui();
  const failed = useAuiState((s) => s.threads.loadError !== undefined);
  if (!failed) return null;
  return (
    <div
      role="alert"
      className="mb-2 rounded-md bg-red-50 px-2 py-1.5 text-sm text-red-800 dark:bg-red-950 dark:text-red-200"
    >
      Could not load threads.{" "}
      <button type="button" className={`underline ${focusRing}`} onClick={() => void aui.threads.reload()}>
        Try again
      </button>
    </div>
  );
}

/**
 * The indexes of a view's ids that are the caller's own threads. A thread someone shares with
 * the caller joins the runtime's list when it is opened, but it is listed under "Shared" only.
 */
function listedIds(ids: readonly string[], items: readonly Item[]): number[] {
  const others = new Set(items.flatMap((item) => (item.custom?.own === false ? [item.id] : [])));
  return ids.flatMap((id, index) => (others.has(id) ? [] : [index]));
}

/**
 * The sidebar's "Pinned", above everything else in Chats: the caller's pinned active threads, the
 * newest pin first, each like any other item (with Unpin instead of Pin). Nothing while none is.
 */
function PinnedItems() {
  const { changed } = usePins();
  const ids = useAuiState((s) => s.threads.threadIds);
  const items = useAuiState((s) => s.threads.threadItems);
  const pinned = useMemo(() => {
    const byId = new Map(items.map((item) => [item.id, item]));
    return ids
      .flatMap((id, index) => {
        const at = pinnedAtOf(byId.get(id), changed);
        return at === null ? [] : [{ index, at }];
      })
      .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  }, [ids, items, changed]);
  if (pinned.length === 0) return null;
  return (
    <section
      aria-labelledby="pinned-threads-heading"
      className="mb-3 border-b border-zinc-200 pb-2 dark:border-zinc-800"
    >
      <h2 id="pinned-threads-heading" className="px-2 pt-1 text-xs font-medium text-zinc-500 dark:text-zinc-400">
        Pinned
      </h2>
      <ul className="mt-1 space-y-0.5">
        {pinned.map(({ index }) => (
          <ThreadListPrimitive.ItemByIndex
            key={ids[index]}
            index={index}
            archived={false}
            components={itemComponents}
          />
        ))}
      </ul>
    </section>
  );
}

/**
 * The threads of one view under Today, Yesterday, Previous 7 days, Previous 30 days and Older
 * (in Chats, those not pinned: they are under "Pinned").
 */
function GroupedItems({ archived }: { archived: boolean }) {
  const { changed } = usePins();
  const ids = useAuiState((s) => (archived ? s.threads.archivedThreadIds : s.threads.threadIds));
  const items = useAuiState((s) => s.threads.threadItems);
  const groups = useMemo(() => {
    const activity = new Map(items.map((item) => [item.id, item.lastMessageAt]));
    const byId = new Map(items.map((item) => [item.id, item]));
    const listed = listedIds(ids, items).filter(
      (index) => archived || pinnedAtOf(byId.get(ids[index]), changed) === null,
    );
    return activityGroups(
      listed.map((index) => activity.get(ids[index])),
      new Date(),
    ).map((group) => ({ ...group, indexes: group.indexes.map((i) => listed[i]) }));
  }, [ids, items, changed, archived]);
  return (
    <ul className="space-y-2">
      {groups.map((group) => (
        <li key={group.label} aria-labelledby={`threads-${group.label}`}>
          <h3 id={`threads-${group.label}`} className="px-2 pt-1 text-xs font-medium text-zinc-500 dark:text-zinc-400">
            {group.label}
          </h3>
          <ul className="space-y-0.5">
            {group.indexes.map((index) => (
              <ThreadListPrimitive.ItemByIndex
                key={ids[index]}
                index={index}
                archived={archived}
                components={itemComponents}
              />
            ))}
          </ul>
        </li>
      ))}
    </ul>
  );
}

// Stable reference: ItemByIndex re-renders its row when its components change.
const itemComponents = { ThreadListItem };

function ThreadListItem() {
  const aui = useAui();
  const pins = usePins();
  const title = useAuiState((s) => s.threadListItem.title) || "New chat";
  const archived = useAuiState((s) => s.threadListItem.status === "archived");
  const id = useAuiState((s) => s.threadListItem.id);
  const remoteId = useAuiState((s) => s.threadListItem.remoteId);
  const custom = useAuiState((s) => s.threadListItem.custom);
  const pinned = pinnedAtOf({ id, custom }, pins.changed) !== null;
  const [mode, setMode] = useState<"view" | "rename" | "confirm-delete">("view");
  const renameButton = useRef<HTMLButtonElement>(null);
  const pinButton = useRef<HTMLButtonElement>(null);
  const deleteButton = useRef<HTMLButtonElement>(null);
  const pinning = useRef(false);

  // Pinned or unpinned, the item moves to the other section: its button there keeps the focus.
  useEffect(() => {
    if (pins.takeFocus(id)) pinButton.current?.focus();
  });

  const togglePin = async () => {
    if (!remoteId || pinning.current) return;
    pinning.current = true;
    try {
      await pins.setPinned(id, remoteId, !pinned);
    } finally {
      pinning.current = false;
    }
  };

  const finishRename = (value: string | null, refocus: boolean) => {
    const next = value?.trim();
    if (next && next !== title) aui.threadListItem.rename(next);
    setMode("view");
    if (refocus) requestAnimationFrame(() => renameButton.current?.focus());
  };

  return (
    <li>
      <ThreadListItemPrimitive.Root className="group rounded-md px-2 py-1.5 text-sm hover:bg-zinc-100 data-active:bg-zinc-200 data-active:font-medium dark:hover:bg-zinc-900 dark:data-active:bg-zinc-800">
        {mode === "rename" ? (
          <TitleInput initial={title} onDone={finishRename} />
        ) : (
          // data-thread-trigger lets the sidebar close itself on phones when a thread is opened.
          <ThreadListItemPrimitive.Trigger
            data-thread-trigger
            className={`block w-full truncate rounded text-left pointer-coarse:min-h-11 ${focusRing}`}
          >
            <ThreadListItemPrimitive.Title fallback="New chat" />
          </ThreadListItemPrimitive.Trigger>
        )}
        {mode === "confirm-delete" ? (
          <div className="mt-1 flex items-center gap-1" role="group" aria-label={`Delete ${title}?`}>
            <span className="mr-auto text-xs text-red-700 dark:text-red-400">Delete this thread?</span>
            <ThreadListItemPrimitive.Delete className={`${smallButton} text-red-700 dark:text-red-400`}>
              Confirm delete
            </ThreadListItemPrimitive.Delete>
            <button
              type="button"
              autoFocus
              className={smallButton}
              onClick={() => {
                setMode("view");
                requestAnimationFrame(() => deleteButton.current?.focus());
              }}
            >
              Cancel
            </button>
          </div>
        ) : (
          // Always shown on touch screens; with a mouse they fade in on hover or keyboard focus
          // (opacity, not display, so they stay reachable by keyboard and assistive technology).
          <div className="mt-1 flex gap-1 group-focus-within:opacity-100 group-hover:opacity-100 group-data-active:opacity-100 pointer-fine:opacity-0">
            <button
              ref={renameButton}
              type="button"
              aria-label={`Rename ${title}`}
              className={smallButton}
              onClick={() => setMode("rename")}
            >
              Rename
            </button>
            {!archived && (
              <button
                ref={pinButton}
                type="button"
                aria-label={`${pinned ? "Unpin" : "Pin"} ${title}`}
                className={smallButton}
                onClick={() => void togglePin()}
              >
                {pinned ? "Unpin" : "Pin"}
              </button>
            )}
            {archived ? (
              <ThreadListItemPrimitive.Unarchive aria-label={`Unarchive ${title}`} className={smallButton}>
                Unarchive
              </ThreadListItemPrimitive.Unarchive>
            ) : (
              // Archiving unpins the thread (on the server too).
              <ThreadListItemPrimitive.Archive
                aria-label={`Archive ${title}`}
                className={smallButton}
                onClick={() => pins.unpinned(id)}
              >
                Archive
              </ThreadListItemPrimitive.Archive>
            )}
            <button
              ref={deleteButton}
              type="button"
              aria-label={`Delete ${title}`}
              className={smallButton}
              onClick={() => setMode("confirm-delete")}
            >
              Delete
            </button>
          </div>
        )}
      </ThreadListItemPrimitive.Root>
    </li>
  );
}

/** Enter or blur saves, Escape cancels. `onDone(null)` means cancelled. */
function TitleInput({
  initial,
  onDone,
}: {
  initial: string;
  onDone: (value: string | null, refocus: boolean) => void;
}) {
  // Enter and Escape unmount the input, and some browsers then fire blur: finish only once.
  const done = useRef(false);
  const finish = (value: string | null, refocus: boolean) => {
    if (done.current) return;
    done.current = true;
    onDone(value, refocus);
  };
  return (
    <input
      aria-label="Thread title"
      defaultValue={initial}
      autoFocus
      onFocus={(e) => e.currentTarget.select()}
      maxLength={200}
      className="w-full rounded border border-zinc-400 bg-white px-1.5 py-0.5 outline-none focus:border-zinc-600 focus:ring-2 focus:ring-zinc-500/50 dark:border-zinc-600 dark:bg-zinc-900 dark:focus:border-zinc-400"
      onKeyDown={(e) => {
        if (e.key === "Enter") {
          e.preventDefault();
          finish(e.currentTarget.value, true);
        } else if (e.key === "Escape") {
          e.preventDefault();
          finish(null, true);
        }
      }}
      onBlur={(e) => finish(e.currentTarget.value, false)}
    />
  );
}
