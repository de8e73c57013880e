"use client";

import Link from "next/link";
import { useState, type FormEvent } from "react";
import type { SocialProviderId } from "@/lib/social-providers";
import { authClient } from "@/lib/auth-client";
import { INVITE_HEADER } from "@/lib/signup-modes";
import { useHydrated } from "@/lib/use-hydrated";

type Mode = "sign-in" | "sign-up";

const copy = {
  "sign-in": { title: "Sign in", submit: "Sign in", switchText: "No account yet?", switchLink: "Sign up" },
  "sign-up": { title: "Create your account", submit: "Sign up", switchText: "Already have an account?", switchLink: "Sign in" },
} as const;

const providerLabel: Record<SocialProviderId, string> = { github: "GitHub", google: "Google" };

const inputClass =
  "w-full rounded-md border border-zinc-300 bg-white px-3 py-2 text-sm outline-none focus:border-zinc-500 focus:ring-2 focus:ring-zinc-200 dark:border-zinc-700 dark:bg-zinc-900 dark:focus:ring-zinc-800";

export function AuthForm({
  mode,
  callbackURL,
  socialProviders,
  notice,
  inviteToken,
}: {
  mode: Mode;
  callbackURL: string;
  socialProviders: SocialProviderId[];
  notice?: string;
  inviteToken?: string;
}) {
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const hydrated = useHydrated();
  const text = copy[mode];
  const otherPage = mode === "sign-in" ? "/sign-up" : "/sign-in";
  const otherHref = callbackURL === "/" ? otherPage : `${otherPage}?callbackURL=${encodeURIComponent(callbackURL)}`;

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get("email") ?? "");
    const password = String(form.get("password") ?? "");
    setPending(true);
    setError(null);
    const { error } =
      mode === "sign-in"
        ? await authClient.signIn.email({ email, password })
        : await authClient.signUp.email({
            name: String(form.get("name") ?? ""),
            email,
            password,
            fetchOptions: inviteToken ? { headers: { [INVITE_HEADER]: inviteToken } } : undefined,
          });
    if (error) {
      setError(error.message ?? "Something went wrong. Please try again.");
      setPending(false);
      return;
    }
    // A full navigation so the server renders the next page with the new session cookie.
    window.location.assign(callbackURL);
  }

  return (
    <main className="flex min-h-dvh items-center justify-center p-4">
      <div className="w-full max-w-sm space-y-6">
        <h1 className="text-2xl font-semibold tracking-tight">{text.title}</h1>
        {notice && <p className="text-sm text-zinc-600 dark:text-zinc-400">{notice}</p>}
        <form onSubmit={onSubmit} method="post" className="space-y-4" aria-busy={pending}>
          {mode === "sign-up" && (
            <label className="block space-y-1 text-sm font-medium">
              <span>Name</span>
              <input name="name" autoComplete="name" required maxLength={100} className={inputClass} />
            </label>
          )}
          <label className="block space-y-1 text-sm font-medium">
            <span>Email</span>
            <input name="email" type="email" autoComplete="email" required className={inputClass} />
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
          {error && (
            <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700 dark:bg-red-950 dark:text-red-300">
              {error}
            </p>
          )}
          <button
            type="submit"
            disabled={pending || !hydrated}
            className="w-full rounded-md bg-zinc-900 px-3 py-2 text-sm font-medium text-white hover:bg-zinc-700 disabled:opacity-60 dark:bg-zinc-100 dark:text-zinc-900"
          >
            {text.submit}
            {pending && <span aria-hidden className="ml-2 inline-block animate-pulse">…</span>}
          </button>
        </form>
        {socialProviders.length > 0 && (
          <div className="space-y-2">
            {socialProviders.map((provider) => (
              <button
                key={provider}
                type="button"
                disabled={pending}
                onClick={() => authClient.signIn.social({ provider, callbackURL })}
                className="w-full rounded-md border border-zinc-300 px-3 py-2 text-sm font-medium hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-900"
              >
                Continue with {providerLabel[provider]}
              </button>
            ))}
          </div>
        )}
        {mode === "sign-in" && (
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
