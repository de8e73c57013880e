"use client";

import Link from "next/link";
import { useEffect, useState, type FormEvent } from "react";
import type { SignInProvider } from "@/lib/shared/account";
import { accountAuthClient } from "@/lib/client/account-auth-client";
import { FormError, inputClass, primaryButton } from "./form-parts";
import { INVITE_HEADER, WORKSPACE_INVITE_HEADER } from "@/lib/shared/signup-modes";
import { useHydrated } from "@/lib/client/use-hydrated";
import { SecondFactorForm } from "./second-factor-form";

type Mode = "sign-in" | "sign-up";

const copy = {
  "sign-in": { title: "Sign in", submit: "Sign in", switchText: "No account yet?", switchLink: "Sign up" },
  "sign-up": {
    title: "Create your account",
    submit: "Sign up",
    switchText: "Already have an account?",
    switchLink: "Sign in",
  },
} as const;

const secondaryButton =
  "w-full rounded-md border border-zinc-300 px-3 py-2 text-sm font-medium hover:bg-zinc-50 disabled:opacity-60 dark:border-zinc-700 dark:hover:bg-zinc-900";

export function AuthForm({
  mode,
  callbackURL,
  providers,
  password: passwordEnabled,
  notice,
  inviteToken,
  workspaceInvite,
  initialError,
}: {
  mode: Mode;
  callbackURL: string;
  providers: SignInProvider[];
  /** False with OIDC_ONLY=true: no password form at all. */
  password: boolean;
  notice?: string;
  inviteToken?: string;
  /** A workspace invitation's id (/sign-up?workspace-invite=ID): on an invite-only instance it stands in for an admin's invitation. */
  workspaceInvite?: string;
  /** Why a sign-in through a provider came back here, already worded by the server. */
  initialError?: string;
}) {
  const [error, setError] = useState<string | null>(initialError ?? null);
  const [pending, setPending] = useState(false);
  const [secondFactor, setSecondFactor] = useState(false);
  // Sign-up with mail set up makes no session: the emailed link finishes it (lib: auth.ts).
  const [mailedTo, setMailedTo] = useState<string | null>(null);
  const hydrated = useHydrated();
  const text = copy[mode];
  const otherPage = mode === "sign-in" ? "/sign-up" : "/sign-in";
  const otherHref = callbackURL === "/" ? otherPage : `${otherPage}?callbackURL=${encodeURIComponent(callbackURL)}`;

  /** A passkey sign-in: from the button, or (autoFill) offered by the browser in the email field. It never asks for a second code. */
  async function signInWithPasskey(autoFill: boolean) {
    if (!autoFill) {
      setPending(true);
      setError(null);
    }
    const { error } = await accountAuthClient.signIn.passkey({ autoFill });
    if (!error) return window.location.assign(callbackURL);
    // A conditional request the person never used ends quietly.
    if (!autoFill) {
      setError(error.message ?? "Signing in with a passkey did not work.");
      setPending(false);
    }
  }

  useEffect(() => {
    if (mode !== "sign-in" || typeof PublicKeyCredential === "undefined") return;
    void PublicKeyCredential.isConditionalMediationAvailable?.().then((available) => {
      if (available) void signInWithPasskey(true);
    });
    // Once per page: a second conditional request would cancel the first.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const signupHeaders: Record<string, string> = {
    ...(inviteToken && { [INVITE_HEADER]: inviteToken }),
    ...(workspaceInvite && { [WORKSPACE_INVITE_HEADER]: workspaceInvite }),
  };

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get("email") ?? "");
    const password = String(form.get("password") ?? "");
    setPending(true);
    setError(null);
    const { data, error } =
      mode === "sign-in"
        ? await accountAuthClient.signIn.email({ email, password })
        : await accountAuthClient.signUp.email({
            name: String(form.get("name") ?? ""),
            email,
            password,
            // Where the emailed confirmation link leads afterwards (the invitation, for a workspace invite).
            callbackURL,
            fetchOptions: { headers: signupHeaders },
          });
    if (error) {
      setError(error.message ?? "Something went wrong. Please try again.");
      setPending(false);
      return;
    }
    // The password was right; the account asks for its second factor before any session is made.
    if (data && "twoFactorRedirect" in data && data.twoFactorRedirect) {
      setSecondFactor(true);
      setPending(false);
      return;
    }
    if (mode === "sign-up" && !data?.token) {
      setMailedTo(email);
      setPending(false);
      return;
    }
    // A full navigation so the server renders the next page with the new session cookie.
    window.location.assign(callbackURL);
  }

  if (mailedTo) {
    return (
      <main className="flex min-h-dvh items-center justify-center p-4">
        <div className="w-full max-w-sm space-y-4">
          <h1 className="text-2xl font-semibold tracking-tight">Check your inbox</h1>
          <p role="status" className="text-sm text-zinc-600 dark:text-zinc-400">
            We sent an email to <strong>{mailedTo}</strong>. Open the link in it to finish; it signs you in.
          </p>
        </div>
      </main>
    );
  }

  return (
    <main className="flex min-h-dvh items-center justify-center p-4">
      <div className="w-full max-w-sm space-y-6">
        <h1 className="text-2xl font-semibold tracking-tight">
          {secondFactor ? "Two-factor authentication" : text.title}
        </h1>
        {notice && <p className="text-sm text-zinc-600 dark:text-zinc-400">{notice}</p>}
        {secondFactor ? (
          <SecondFactorForm callbackURL={callbackURL} />
        ) : !passwordEnabled ? (
          <FormError message={error} />
        ) : (
          <form onSubmit={onSubmit} method="post" className="space-y-4" aria-busy={pending}>
            {mode === "sign-up" && (
              <label className="block space-y-1 text-sm font-medium">
                <span>Name</span>
                <input name="name" autoComplete="name" required maxLength={100} className={inputClass} />
              </label>
            )}
            <label className="block space-y-1 text-sm font-medium">
              <span>Email</span>
              <input
                name="email"
                type="email"
                // On sign-in the browser may offer saved passkeys right in this field.
                autoComplete={mode === "sign-in" ? "username webauthn" : "email"}
                required
                className={inputClass}
              />
            </label>
            <label className="block space-y-1 text-sm font-medium">
              <span>Password</span>
              <input
                name="password"
                type="password"
                autoComplete={mode === "sign-in" ? "current-password" : "new-password"}
                required
                minLength={8}
                className={inputClass}
              />
            </label>
            <FormError message={error} />
            <button type="submit" disabled={pending || !hydrated} className={primaryButton}>
              {text.submit}
              {pending && (
                <span aria-hidden className="ml-2 inline-block animate-pulse">
                  …
                </span>
              )}
            </button>
          </form>
        )}
        {!secondFactor && (providers.length > 0 || mode === "sign-in") && (
          <div className="space-y-2">
            {providers.map((provider) => (
              <button
                key={provider.id}
                type="button"
                disabled={pending || !hydrated}
                onClick={() => {
                  setPending(true);
                  void accountAuthClient.signIn.social({
                    provider: provider.id,
                    callbackURL,
                    errorCallbackURL: "/sign-in",
                  });
                }}
                className={secondaryButton}
              >
                Continue with {provider.label}
              </button>
            ))}
            {mode === "sign-in" && (
              <button
                type="button"
                disabled={pending || !hydrated}
                onClick={() => void signInWithPasskey(false)}
                className={secondaryButton}
              >
                Sign in with a passkey
              </button>
            )}
          </div>
        )}
        {mode === "sign-in" && passwordEnabled && (
          <p className="text-sm">
            <Link href="/forgot-password" className="text-zinc-600 underline dark:text-zinc-400">
              Forgot password?
            </Link>
          </p>
        )}
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          {text.switchText}{" "}
          <Link href={otherHref} className="font-medium text-zinc-900 underline dark:text-zinc-100">
            {text.switchLink}
          </Link>
        </p>
      </div>
    </main>
  );
}
