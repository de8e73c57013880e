"use client";

import { useRouter } from "next/navigation";
import { type FormEvent } from "react";
import { accountAuthClient } from "@/lib/client/account-auth-client";
import type { PasskeyRow } from "@/lib/shared/account";
import { useAction } from "@/lib/client/use-action";
import { useHydrated } from "@/lib/client/use-hydrated";
import { Section, button, input, when } from "./section";

/** Passkeys on /account: add one (named), see when each was made and last used, rename, delete. */
export function PasskeySettings({ passkeys }: { passkeys: PasskeyRow[] }) {
  const router = useRouter();
  const hydrated = useHydrated();
  const action = useAction();
  const done = (ok: boolean) => ok && router.refresh();

  async function add(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const name = String(new FormData(form).get("name") ?? "").trim() || "Passkey";
    const ok = await action.run(() => accountAuthClient.passkey.addPasskey({ name }), `Passkey "${name}" added.`);
    if (ok) form.reset();
    done(ok);
  }

  const rename = async (p: PasskeyRow) => {
    const name = window.prompt("New name for this passkey:", p.name ?? "")?.trim();
    if (name)
      done(await action.run(() => accountAuthClient.passkey.updatePasskey({ id: p.id, name }), "Passkey renamed."));
  };

  const remove = async (p: PasskeyRow) => {
    if (window.confirm(`Delete the passkey "${p.name ?? "Passkey"}"? It will no longer sign you in.`)) {
      done(await action.run(() => accountAuthClient.passkey.deletePasskey({ id: p.id }), "Passkey deleted."));
    }
  };

  return (
    <Section title="Passkeys">
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        Sign in with your device&apos;s screen lock or a security key instead of a password. A passkey sign-in needs no
        second code.
      </p>
      {passkeys.length > 0 && (
        <ul aria-label="Passkeys" className="divide-y divide-zinc-200 text-sm dark:divide-zinc-800">
          {passkeys.map((p) => (
            <li
              key={p.id}
              aria-label={p.name ?? "Passkey"}
              className="flex flex-wrap items-center justify-between gap-2 py-2"
            >
              <div>
                <p className="font-medium">{p.name ?? "Passkey"}</p>
                <p className="text-zinc-500 dark:text-zinc-400">
                  added {p.createdAt ? when(p.createdAt) : "earlier"} · last used{" "}
                  {p.lastUsedAt ? when(p.lastUsedAt) : "never"}
                  {p.synced ? " · synced" : ""}
                </p>
              </div>
              <div className="flex gap-2">
                <button
                  type="button"
                  className={button}
                  disabled={!hydrated || action.pending}
                  onClick={() => rename(p)}
                >
                  Rename
                </button>
                <button
                  type="button"
                  className={button}
                  disabled={!hydrated || action.pending}
                  onClick={() => remove(p)}
                >
                  Delete
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={add} className="flex flex-wrap items-end gap-2">
        <label className="flex-1 space-y-1 text-sm">
          <span>Passkey name</span>
          <input name="name" maxLength={100} placeholder="e.g. Work laptop" className={input} />
        </label>
        <button type="submit" className={button} disabled={!hydrated || action.pending}>
          Add a passkey
        </button>
      </form>
      {action.status}
    </Section>
  );
}
