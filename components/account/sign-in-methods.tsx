"use client";

import { useRouter } from "next/navigation";
import { accountAuthClient } from "@/lib/client/account-auth-client";
import type { SignInProvider } from "@/lib/shared/account";
import { useAction } from "@/lib/client/use-action";
import { useHydrated } from "@/lib/client/use-hydrated";
import { Section, button, when } from "./section";

export type LinkedAccount = { id: string; providerId: string; label: string; linkedAt: string };

/**
 * The ways this account signs in: password, GitHub, Google, the instance's SSO, passkeys. One can
 * be unlinked while another remains; a provider not linked yet can be linked here (which is how an
 * existing account is joined to an SSO identity whose email the provider did not vouch for).
 */
export function SignInMethods({
  accounts,
  passkeyCount,
  linkable,
}: {
  accounts: LinkedAccount[];
  passkeyCount: number;
  linkable: SignInProvider[];
}) {
  const router = useRouter();
  const hydrated = useHydrated();
  const action = useAction();
  // better-auth keeps at least one linked account; passkeys do not count towards it.
  const methods = accounts.length;

  const unlink = async (a: LinkedAccount) => {
    if (!window.confirm(`Stop signing in with ${a.label}?`)) return;
    if (await action.run(() => accountAuthClient.unlinkAccount({ accountId: a.id }), `${a.label} unlinked.`))
      router.refresh();
  };

  return (
    <Section title="Sign-in methods">
      <ul aria-label="Sign-in methods" className="divide-y divide-zinc-200 text-sm dark:divide-zinc-800">
        {accounts.map((a) => (
          <li key={a.id} aria-label={a.label} className="flex items-center justify-between gap-2 py-2">
            <span>
              <span className="font-medium">{a.label}</span>{" "}
              <span className="text-zinc-500 dark:text-zinc-400">· since {when(a.linkedAt)}</span>
            </span>
            <button
              type="button"
              className={button}
              disabled={!hydrated || action.pending || methods <= 1}
              title={methods <= 1 ? "Your only way to sign in cannot be removed." : undefined}
              onClick={() => unlink(a)}
            >
              Unlink
            </button>
          </li>
        ))}
        {passkeyCount > 0 && (
          <li aria-label="Passkeys" className="py-2">
            <span className="font-medium">Passkeys</span>{" "}
            <span className="text-zinc-500 dark:text-zinc-400">· {passkeyCount} (managed below)</span>
          </li>
        )}
      </ul>
      {linkable.length > 0 && (
        <div className="flex flex-wrap gap-2">
          {linkable.map((p) => (
            <button
              key={p.id}
              type="button"
              className={button}
              disabled={!hydrated || action.pending}
              onClick={() =>
                action.run(
                  () =>
                    accountAuthClient.linkSocial({
                      provider: p.id,
                      callbackURL: "/account",
                      errorCallbackURL: "/account",
                    }),
                  "Redirecting…",
                )
              }
            >
              Link {p.label}
            </button>
          ))}
        </div>
      )}
      {action.status}
    </Section>
  );
}
