"use client";

import { useId, useRef, useState } from "react";
import { usePageSpaceName } from "@/components/chat/runtime/space-guard";
import { audienceLabel, copyText, linkAddress, when } from "@/components/share/links";
import { api } from "@/lib/client/api-client";
import type { ShareAudience } from "@/lib/shared/share-links";
import type { LinkState } from "@/components/chat/share-link-state";
import { ActionMessage } from "@/lib/client/use-action";

const button =
  "rounded-md border border-zinc-300 px-2 py-0.5 hover:bg-zinc-100 disabled:opacity-50 dark:border-zinc-700 dark:hover:bg-zinc-800";

/**
 * "Share link" next to the thread's other controls: the first click makes a link to a snapshot
 * of the branch as it is now (for anyone signed in here, the default) and opens the panel that
 * shows it; later clicks open and close the panel. The panel copies the address, sets who can
 * open it, replaces the snapshot ("Update link") or ends the link ("Delete link", at once: sharing
 * again makes a new address, and the old one stays dead).
 */
export function ShareLinkControl({ state, setState }: { state: LinkState; setState: (next: LinkState) => void }) {
  const workspaceName = usePageSpaceName();
  const panelId = useId();
  const addressRef = useRef<HTMLInputElement>(null);
  const [open, setOpen] = useState(false);
  const [pending, setPending] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const { threadId, link, audiences } = state;

  const run = async (action: () => Promise<void>, success?: string) => {
    setPending(true);
    setMessage(null);
    try {
      await action();
      if (success) setMessage({ ok: true, text: success });
    } catch (thrown) {
      setMessage({ ok: false, text: thrown instanceof Error ? thrown.message : "That did not work." });
    } finally {
      setPending(false);
    }
  };

  const share = () =>
    run(async () => {
      const created = await api.shareLink(threadId);
      setState({ ...state, link: created });
      setOpen(true);
    });

  // An audience the instance no longer allows (a suspended `anyone` link) stays listed, so the select shows the truth.
  const choices = link && !audiences.includes(link.audience) ? [...audiences, link.audience] : audiences;

  return (
    <>
      <button
        type="button"
        className={button}
        disabled={pending}
        aria-expanded={link ? open : undefined}
        aria-controls={link && open ? panelId : undefined}
        onClick={() => (link ? setOpen(!open) : void share())}
      >
        Share link
      </button>
      {message && !open && (
        <p role={message.ok ? "status" : "alert"} className="basis-full text-right text-red-700 dark:text-red-400">
          {message.text}
        </p>
      )}
      {link && open && (
        <section
          id={panelId}
          aria-label="Share link"
          className="basis-full space-y-2 rounded-md border border-zinc-200 p-3 text-left dark:border-zinc-800"
        >
          <div className="flex flex-wrap items-end gap-2">
            <label className="flex min-w-0 flex-1 flex-col gap-1">
              <span className="text-zinc-600 dark:text-zinc-400">Link</span>
              <input
                ref={addressRef}
                readOnly
                value={linkAddress(link)}
                onFocus={(e) => e.currentTarget.select()}
                className="w-full rounded-md border border-zinc-300 bg-white px-2 py-1 font-mono text-xs dark:border-zinc-700 dark:bg-zinc-900"
              />
            </label>
            <button
              type="button"
              className={button}
              onClick={() =>
                void copyText(linkAddress(link), addressRef.current).then((ok) =>
                  setMessage(
                    ok
                      ? { ok: true, text: "Link copied." }
                      : { ok: false, text: "Copy did not work here: select the link and copy it." },
                  ),
                )
              }
            >
              Copy link
            </button>
          </div>
          <label className="flex flex-wrap items-center gap-2">
            <span>Who can open it</span>
            <select
              value={link.audience}
              disabled={pending}
              onChange={(e) => {
                const audience = e.target.value as ShareAudience;
                void run(async () => {
                  setState({ ...state, link: await api.setShareLinkAudience(threadId, audience) });
                }, "Saved.");
              }}
              className="rounded-md border border-zinc-300 bg-white px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900"
            >
              {choices.map((audience) => (
                <option key={audience} value={audience}>
                  {audienceLabel(audience, workspaceName)}
                  {audiences.includes(audience) ? "" : " (not allowed here now)"}
                </option>
              ))}
            </select>
          </label>
          {!link.available && (
            <p className="text-amber-800 dark:text-amber-300">
              Not available on this instance right now: nobody can open it until an admin allows it again.
            </p>
          )}
          <p className="text-zinc-600 dark:text-zinc-400">
            Snapshot of {when(link.updatedAt)}. Later messages are not included until you update the link.
          </p>
          <div className="flex flex-wrap items-center gap-2">
            <button
              type="button"
              className={button}
              disabled={pending}
              onClick={() =>
                void run(async () => {
                  setState({ ...state, link: await api.shareLink(threadId) });
                }, "Link updated.")
              }
            >
              Update link
            </button>
            <button
              type="button"
              className={`${button} text-red-700 dark:text-red-400`}
              disabled={pending}
              onClick={() =>
                void run(async () => {
                  await api.deleteThreadShareLink(threadId);
                  setOpen(false);
                  setState({ ...state, link: null });
                }, "Link deleted.")
              }
            >
              Delete link
            </button>
            <ActionMessage message={message} />
          </div>
        </section>
      )}
    </>
  );
}
