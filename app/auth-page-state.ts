import "server-only";
import { redirect } from "next/navigation";
import type { AuthPageState } from "@/components/account/auth-page";
import { signupPolicy } from "@/lib/admin/signup-policy";
import { safeCallbackPath } from "@/lib/auth/safe-redirect";
import { readOidcConfig, signInOptions } from "@/lib/auth/social-providers";
import { getPageSession } from "@/lib/http/caller";
import { invitationIdPattern } from "@/lib/workspaces/invitations";

type AuthSearchParams = {
  callbackURL?: string | string[];
  invite?: string | string[];
  "workspace-invite"?: string | string[];
  error?: string | string[];
};

/**
 * Why a sign-in through GitHub, Google or SSO came back to /sign-in (`?error=CODE`), in our own
 * words: the provider's description is never shown, so a crafted link cannot put text on this page.
 */
function providerErrorMessage(code: string): string {
  const sso = readOidcConfig()?.name ?? "that provider";
  const domains = signupPolicy.defaults.domains;
  const messages: Record<string, string> = {
    account_not_linked: `An account with this email already exists, and ${sso} did not confirm the address. Sign in another way first, then link ${sso} on your account page.`,
    SIGNUP_DOMAIN_NOT_ALLOWED: `Sign-up is limited to addresses at ${[...domains].join(", ")}.`,
    SIGNUP_EMAIL_NOT_VERIFIED: `${sso === "that provider" ? "That provider" : sso} did not confirm your email address, and sign-up here needs a confirmed one.`,
    SIGNUP_CLOSED: "Sign-up is closed on this instance.",
    SIGNUP_INVITE_ONLY: "Sign-up on this instance needs an invitation link from an admin.",
    INVITATION_INVALID: "That invitation cannot be used.",
    BANNED_USER: "This account is suspended.",
    banned: "This account is suspended.",
  };
  return messages[code] ?? "Signing in did not complete. Please try again.";
}

/** For /sign-in and /sign-up: a signed-in visitor goes straight on to where they were headed; anyone else gets what AuthPage shows. */
export async function readAuthPageState(
  mode: "sign-in" | "sign-up",
  searchParams: Promise<AuthSearchParams>,
): Promise<AuthPageState> {
  const params = await searchParams;
  const options = signInOptions();
  const raw = params.callbackURL;
  const invite = mode === "sign-up" && typeof params.invite === "string" ? params.invite.slice(0, 200) : undefined;
  // Only an id of the invitation links' form is carried on; whether it is pending and for the
  // typed address is checked when the account is made (lib/admin/signup-policy.ts).
  const workspaceParam = params["workspace-invite"];
  const workspaceInvite =
    mode === "sign-up" && typeof workspaceParam === "string" && invitationIdPattern.test(workspaceParam)
      ? workspaceParam
      : undefined;
  // Invited into a workspace: once signed up (and verified, by the mailed link), back to the invitation.
  const callbackURL = safeCallbackPath(
    (Array.isArray(raw) ? raw[0] : raw) ?? (workspaceInvite ? `/invite/${workspaceInvite}` : undefined),
  );
  if (await getPageSession()) redirect(callbackURL);
  const signup = mode === "sign-up" ? await signupPolicy.signupPage() : "open";
  if (signup === "closed") return { screen: "sign-up-closed" };
  if (signup === "invite" && !invite && !workspaceInvite) return { screen: "invitation-needed" };
  return {
    screen: "form",
    form: {
      mode,
      callbackURL,
      providers: options.providers,
      password: options.password,
      initialError: typeof params.error === "string" ? providerErrorMessage(params.error) : undefined,
      inviteToken: invite,
      workspaceInvite,
      notice: invite
        ? "You were invited: sign up to join."
        : workspaceInvite
          ? `You were invited to a workspace: sign up with the email address the invitation was sent to, confirm it with the link we email you, then accept the invitation.${signup === "approval" ? " New accounts wait for an admin of this instance to approve them." : ""}`
          : signup === "approval"
            ? "New accounts wait for an admin to approve them before they can chat."
            : undefined,
    },
  };
}
