"use client";

import { useAui } from "@assistant-ui/react";
import { useEffect, useRef } from "react";

const isMac = () => typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform);

export const shortcuts = [
  { keys: "Ctrl/⌘ + K", what: "Search threads" },
  { keys: "Ctrl/⌘ + Shift + O", what: "New thread" },
  { keys: "/", what: "Focus the message box" },
  { keys: "Enter / Shift + Enter", what: "Send / new line" },
  { keys: "Escape", what: "Close this dialog, clear the search" },
  { keys: "?", what: "Show these shortcuts" },
] as const;

const typingIn = (target: EventTarget | null) =>
  target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));

/** The app's keyboard shortcuts (Ctrl/⌘+K lives in ThreadSearch) and the dialog that lists them. */
export function KeyboardShortcuts() {
  const aui = useAui();
  const dialog = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const mod = isMac() ? event.metaKey : event.ctrlKey;
      if (mod && event.shiftKey && event.key.toLowerCase() === "o") {
        event.preventDefault();
        aui.threads.switchToNewThread();
        document.querySelector<HTMLTextAreaElement>('textarea[aria-label="Message"]')?.focus();
        return;
      }
      if (typingIn(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === "/") {
        event.preventDefault();
        document.querySelector<HTMLTextAreaElement>('textarea[aria-label="Message"]')?.focus();
      } else if (event.key === "?") {
        event.preventDefault();
        dialog.current?.showModal();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [aui]);

  return (
    <>
      <button
        type="button"
        aria-label="Keyboard shortcuts"
        title="Keyboard shortcuts (?)"
        onClick={() => dialog.current?.showModal()}
        className="hidden rounded-md px-2 py-1 text-sm text-zinc-600 hover:bg-zinc-100 sm:block dark:text-zinc-400 dark:hover:bg-zinc-800"
      >
        ?
      </button>
      <dialog
        ref={dialog}
        aria-labelledby="shortcuts-title"
        className="m-auto w-full max-w-md rounded-lg border border-zinc-200 bg-white p-5 text-zinc-900 shadow-xl backdrop:bg-black/40 dark:border-zinc-800 dark:bg-zinc-900 dark:text-zinc-100"
      >
        <h2 id="shortcuts-title" className="mb-3 text-lg font-semibold">
          Keyboard shortcuts
        </h2>
        <table className="w-full text-sm">
          <tbody>
            {shortcuts.map((s) => (
              <tr key={s.keys} className="border-t border-zinc-200 dark:border-zinc-800">
                <td className="py-1.5 pr-4">
                  <kbd className="rounded border border-zinc-300 px-1.5 py-0.5 font-mono text-xs dark:border-zinc-700">
                    {s.keys}
                  </kbd>
                </td>
                <td className="py-1.5">{s.what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <form method="dialog" className="mt-4 text-right">
          <button className="rounded-md border border-zinc-300 px-3 py-1 text-sm dark:border-zinc-700" autoFocus>
            Close
          </button>
        </form>
      </dialog>
    </>
  );
}
