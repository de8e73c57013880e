import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { enabledSocialProviders } from "@/lib/social-providers";
import { AuthForm } from "@/components/account/auth-form";
import { safeCallbackPath } from "@/lib/safe-redirect";
import { getSession } from "@/lib/session";

/** Shared by /sign-in and /sign-up: a signed-in visitor goes straight on to where they were headed. */
export async function AuthPage({
  mode,
  searchParams,
}: {
  mode: "sign-in" | "sign-up";
  searchParams: Promise<{ callbackURL?: string | string[] }>;
}) {
  const raw = (await searchParams).callbackURL;
  const callbackURL = safeCallbackPath(Array.isArray(raw) ? raw[0] : raw);
  if (await getSession(await headers())) redirect(callbackURL);
  return <AuthForm mode={mode} callbackURL={callbackURL} socialProviders={enabledSocialProviders()} />;
}
