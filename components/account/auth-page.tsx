import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { enabledSocialProviders } from "@/lib/social-providers";
import { AuthForm } from "@/components/account/auth-form";
import { safeCallbackPath } from "@/lib/safe-redirect";
import { getSession } from "@/lib/session";
import { signupPolicy } from "@/lib/signup-policy";

/** Shared by /sign-in and /sign-up: a signed-in visitor goes straight on to where they were headed. */
export async function AuthPage({
  mode,
  searchParams,
}: {
  mode: "sign-in" | "sign-up";
  searchParams: Promise<{ callbackURL?: string | string[]; invite?: string | string[] }>;
}) {
  const params = await searchParams;
  const raw = params.callbackURL;
  const invite = mode === "sign-up" && typeof params.invite === "string" ? params.invite.slice(0, 200) : undefined;
  const callbackURL = safeCallbackPath(Array.isArray(raw) ? raw[0] : raw);
  if (await getSession(await headers())) redirect(callbackURL);
  const signup = mode === "sign-up" ? await signupPolicy.signupPage() : "open";
  if (signup === "closed" || (signup === "invite" && !invite)) {
    return (
      <main className="flex min-h-dvh flex-col items-center justify-center gap-3 p-6 text-center">
        <h1 className="text-2xl font-semibold">{signup === "closed" ? "Sign-up is closed" : "Sign-up needs an invitation"}</h1>
        <p className="text-zinc-600 dark:text-zinc-400">
          {signup === "closed" ? "This instance does not take new accounts." : "Ask an admin of this instance for an invitation link."}
        </p>
        <a href="/sign-in" className="text-sm underline">
          Sign in
        </a>
      </main>
    );
  }
  return (
    <AuthForm
      mode={mode}
      callbackURL={callbackURL}
      socialProviders={enabledSocialProviders()}
      inviteToken={invite}
      notice={invite ? "You were invited: sign up to join." : signup === "approval" ? "New accounts wait for an admin to approve them before they can chat." : undefined}
    />
  );
}
