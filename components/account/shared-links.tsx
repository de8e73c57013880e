"use client";

import { useState } from "react";
import { Section, button } from "@/components/account/section";
import { audienceLabel, copyText, linkAddress, when } from "@/components/share/links";
import { api } from "@/lib/client/api-client";
import { useHydrated } from "@/lib/client/use-hydrated";
import type { ShareLinkJson } from "@/lib/shared/share-links";
import { ActionMessage } from "@/lib/client/use-action";

const count = (n: number) => n.toLocaleString("en");

/**
 * /account: every share link of the person's, newest snapshot first, with copy, update (a new
 * snapshot under the same address) and delete (at once; sharing the thread again makes a new
 * address). `workspaceNames` names the workspaces a link's audience may be.
 */
export function SharedLinks({
  links: initial,
  workspaceNames,
}: {
  links: ShareLinkJson[];
  workspaceNames: Record<string, string>;
}) {
  const hydrated = useHydrated();
  const [links, setLinks] = useState(initial);
  const [pending, setPending] = useState<string | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  const run = async (linkId: string, action: () => Promise<void>, success: string) => {
    setPending(linkId);
    setMessage(null);
    try {
      await action();
      setMessage({ ok: true, text: success });
    } catch (thrown) {
      setMessage({ ok: false, text: thrown instanceof Error ? thrown.message : "That did not work." });
    } finally {
      setPending(null);
    }
  };

  return (
    <Section title="Shared links">
      {links.length === 0 ? (
        <p className="text-sm text-zinc-500 dark:text-zinc-400">You have not shared any links.</p>
      ) : (
        <ul className="divide-y divide-zinc-200 text-sm dark:divide-zinc-800" aria-label="Shared links">
          {links.map((link) => {
            const title = link.threadTitle || "Untitled conversation";
            return (
              <li key={link.id} className="space-y-1.5 py-2">
                <p className="font-medium break-words">{title}</p>
                <p className="text-zinc-500 dark:text-zinc-400 tabular-nums">
                  {audienceLabel(link.audience, link.workspaceId ? (workspaceNames[link.workspaceId] ?? null) : null)}
                  {` · created ${when(link.createdAt)} · updated ${when(link.updatedAt)} · `}
                  {link.views === 1 ? "1 view" : `${count(link.views)} views`}
                </p>
                {!link.available && (
                  <p className="text-amber-800 dark:text-amber-300">Not available on this instance right now</p>
                )}
                <div className="flex flex-wrap gap-2">
                  <button
                    type="button"
                    className={button}
                    disabled={!hydrated}
                    onClick={() =>
                      void copyText(linkAddress(link)).then((ok) =>
                        setMessage(
                          ok
                            ? { ok: true, text: `Link to “${title}” copied.` }
                            : { ok: false, text: `Copy did not work here. The link is ${linkAddress(link)}` },
                        ),
                      )
                    }
                  >
                    Copy link
                  </button>
                  <button
                    type="button"
                    className={button}
                    disabled={!hydrated || pending !== null}
                    onClick={() =>
                      void run(
                        link.id,
                        async () => {
                          const updated = await api.shareLink(link.threadId);
                          setLinks((all) => [updated, ...all.filter((l) => l.id !== link.id)]);
                        },
                        `Link to “${title}” updated.`,
                      )
                    }
                  >
                    Update link
                  </button>
                  <button
                    type="button"
                    className={`${button} text-red-700 dark:text-red-400`}
                    disabled={!hydrated || pending !== null}
                    onClick={() =>
                      void run(
                        link.id,
                        async () => {
                          await api.deleteShareLink(link.id);
                          setLinks((all) => all.filter((l) => l.id !== link.id));
                        },
                        `Link to “${title}” deleted.`,
                      )
                    }
                  >
                    Delete link
                  </button>
                </div>
              </li>
            );
          })}
        </ul>
      )}
      <ActionMessage message={message} />
    </Section>
  );
}
