"use client";

import { useState, type FormEvent } from "react";
import { InstanceSettingControl } from "@/components/admin/instance-setting";
import { when } from "@/components/share/links";
import { api } from "@/lib/client/api-client";
import { ActionMessage } from "@/lib/client/use-action";
import { useHydrated } from "@/lib/client/use-hydrated";
import {
  shareAudiences,
  shareLinkModes,
  type AdminShareLinkRow,
  type AdminShareOverview,
  type ShareAudience,
  type ShareLinkMode,
} from "@/lib/shared/share-links";
import { DataTable } from "./data-table";

const modeLabels: Record<ShareLinkMode, string> = {
  off: "Off",
  "signed-in": "Signed-in people",
  anyone: "Anyone with the link",
};

const audienceLabels: Record<ShareAudience, string> = {
  "signed-in": "Signed in",
  workspace: "Workspace",
  anyone: "Anyone",
};

const count = (n: number) => n.toLocaleString("en");

const button =
  "rounded-md border border-zinc-300 px-2 py-0.5 text-sm hover:bg-zinc-100 disabled:opacity-50 dark:border-zinc-700 dark:hover:bg-zinc-800";

/**
 * /admin's "Share links": who may open links on this instance (an admin's pick wins over
 * SHARE_LINKS until reset), how many links exist per audience and per person, and a reported
 * link found by its address and deleted. Never a link's title, message or token.
 */
export function AdminShareLinks({
  mode,
  source,
  environment,
  overview,
}: {
  mode: ShareLinkMode;
  source: "admin" | "environment";
  environment: ShareLinkMode;
  overview: AdminShareOverview;
}) {
  return (
    <InstanceSettingControl
      id="admin-share-links"
      heading="Share links"
      label="Share links"
      variable="SHARE_LINKS"
      modes={shareLinkModes}
      labels={modeLabels}
      mode={mode}
      source={source}
      environment={environment}
      save={(next) => api.admin.setShareLinkMode(next)}
      note="Off ends every link at once; Signed-in people suspends the links for anyone. Links are kept either way."
    >
      <dl className="flex flex-wrap gap-x-6 gap-y-1 text-sm tabular-nums">
        <div className="flex gap-2">
          <dt className="text-zinc-500 dark:text-zinc-400">Links</dt>
          <dd>{count(overview.total)}</dd>
        </div>
        {shareAudiences.map((audience) => (
          <div key={audience} className="flex gap-2">
            <dt className="text-zinc-500 dark:text-zinc-400">{audienceLabels[audience]}</dt>
            <dd>{count(overview.byAudience[audience])}</dd>
          </div>
        ))}
      </dl>
      <PeopleAndLinks people={overview.people} />
    </InstanceSettingControl>
  );
}

/**
 * Links to act on: a person's (Show links), or one someone reported, by the address they sent (or
 * its token); each with its owner and counts, and Delete link.
 */
function PeopleAndLinks({ people }: { people: AdminShareOverview["people"] }) {
  const hydrated = useHydrated();
  const [found, setFound] = useState<AdminShareLinkRow[] | null>(null);
  const [pending, setPending] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  const owner = (userId: string) => {
    const person = people.find((p) => p.userId === userId);
    return person ? `${person.name} (${person.email})` : userId;
  };

  const run = async (action: () => Promise<void>) => {
    setPending(true);
    setMessage(null);
    try {
      await action();
    } catch (thrown) {
      setMessage({ ok: false, text: thrown instanceof Error ? thrown.message : "That did not work." });
    } finally {
      setPending(false);
    }
  };

  const find = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const address = String(new FormData(event.currentTarget).get("link") ?? "").trim();
    if (!address) return;
    void run(async () => {
      setFound(null);
      const { links } = await api.admin.findShareLink(address);
      setFound(links);
      if (links.length === 0) setMessage({ ok: true, text: "No link has this address." });
    });
  };

  const showLinksOf = (userId: string) =>
    void run(async () => {
      setFound(null);
      setFound((await api.admin.shareLinksOfUser(userId)).links);
    });

  const remove = (link: AdminShareLinkRow) => {
    if (!window.confirm(`Delete this link of ${owner(link.userId)}? It stops working at once, for everyone.`)) return;
    void run(async () => {
      await api.admin.deleteShareLink(link.id);
      setFound((all) => (all ?? []).filter((l) => l.id !== link.id));
      setMessage({ ok: true, text: "Link deleted." });
    });
  };

  return (
    <>
      {people.length > 0 && (
        <DataTable caption="Share links per person" minWidth="min-w-[36rem]">
          <thead className="text-left text-zinc-500 dark:text-zinc-400">
            <tr>
              <th className="font-normal">Name</th>
              <th className="font-normal">Email</th>
              <th className="text-right font-normal">Links</th>
              {shareAudiences.map((audience) => (
                <th key={audience} className="text-right font-normal">
                  {audienceLabels[audience]}
                </th>
              ))}
              <th className="text-right font-normal">Views</th>
              <th />
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-200 tabular-nums dark:divide-zinc-800">
            {people.map((p) => (
              <tr key={p.userId}>
                <td className="break-all">{p.name}</td>
                <td className="break-all">{p.email}</td>
                <td className="text-right">{count(p.total)}</td>
                {shareAudiences.map((audience) => (
                  <td key={audience} className="text-right">
                    {count(p.byAudience[audience])}
                  </td>
                ))}
                <td className="text-right">{count(p.views)}</td>
                <td className="text-right">
                  <button
                    type="button"
                    className={button}
                    disabled={!hydrated || pending}
                    aria-label={`Show links of ${p.name}`}
                    onClick={() => showLinksOf(p.userId)}
                  >
                    Show links
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </DataTable>
      )}
      <div className="space-y-2 border-t border-zinc-200 pt-3 dark:border-zinc-800">
        <h3 id="find-reported-link" className="text-sm font-semibold">
          Find a reported link
        </h3>
        <form
          aria-labelledby="find-reported-link"
          onSubmit={find}
          method="post"
          className="flex flex-wrap items-end gap-2"
        >
          <label className="flex min-w-0 flex-1 flex-col gap-1 text-sm">
            <span>Link address</span>
            <input
              name="link"
              required
              maxLength={2048}
              autoComplete="off"
              spellCheck={false}
              className="w-full rounded-md border border-zinc-300 bg-white px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900"
            />
          </label>
          <button type="submit" className={button} disabled={!hydrated || pending}>
            Find
          </button>
        </form>
        {found && found.length > 0 && (
          <DataTable caption="Found links">
            <thead className="text-left text-zinc-500 dark:text-zinc-400">
              <tr>
                <th className="font-normal">Owner</th>
                <th className="font-normal">Audience</th>
                <th className="font-normal">Created</th>
                <th className="text-right font-normal">Views</th>
                <th />
              </tr>
            </thead>
            <tbody className="tabular-nums">
              {found.map((link) => (
                <tr key={link.id}>
                  <td className="break-all">{owner(link.userId)}</td>
                  <td>{audienceLabels[link.audience]}</td>
                  <td>{when(link.createdAt)}</td>
                  <td className="text-right">{count(link.views)}</td>
                  <td className="text-right">
                    <button
                      type="button"
                      className={`${button} text-red-700 dark:text-red-400`}
                      disabled={pending}
                      onClick={() => remove(link)}
                    >
                      Delete link
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </DataTable>
        )}
        <ActionMessage message={message} />
      </div>
    </>
  );
}
