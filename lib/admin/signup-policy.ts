import "server-only";
import { APIError } from "better-auth/api";
import { db as defaultDb } from "@/lib/db/database";
import type { AppDatabase } from "@/db/connect";
import { user } from "@/db/schema";
import { readInstanceSetting, writeInstanceSetting } from "@/lib/admin/instance-settings";
import { listFromEnv, type Env } from "@/lib/config/env";
import { createInvitations } from "@/lib/admin/invitations";
import { createInvitationStore } from "@/lib/workspaces/invitations";
import { isSignupMode as isMode, signupModes, type SignupMode } from "@/lib/shared/signup-modes";

/** `SIGNUP_MODE` (default open) and `SIGNUP_EMAIL_DOMAINS`; a bad mode stops the app with a clear message. */
export function readSignupDefaults(env: Env = process.env) {
  const raw = env.SIGNUP_MODE?.trim() || "open";
  if (!isMode(raw)) throw new Error(`SIGNUP_MODE must be one of ${signupModes.join(", ")}, got "${raw}".`);
  const domains = new Set(listFromEnv(env, "SIGNUP_EMAIL_DOMAINS").map((d) => d.toLowerCase().replace(/^@/, "")));
  return { mode: raw, domains };
}

const modeKey = "signup_mode";

/** What a sign-up request carries besides the address: an admin's invitation token, a workspace invitation id. */
export type SignupTickets = { invite?: string | null; workspaceInvite?: string | null };

/**
 * Who may create an account. The mode an admin picks on /admin is stored and wins over
 * SIGNUP_MODE until reset. Checked in better-auth's user-create hook, so it holds for every
 * sign-up method, social and SSO included. The very first account of an empty instance and
 * ADMIN_EMAILS addresses may always sign up (someone must be able to administer a closed
 * instance): lib/admin/admins.ts decides that, and an ADMIN_EMAILS address let in that way is held
 * until verified. With SIGNUP_EMAIL_DOMAINS, every account is held until its address is verified
 * (lib/auth/session.ts), and a provider must vouch for the address to sign up through it.
 */
export function createSignupPolicy(db: AppDatabase, defaults = readSignupDefaults()) {
  const invitations = createInvitations(db);
  const workspaceInvitations = createInvitationStore(db);
  async function storedMode(): Promise<SignupMode | null> {
    const stored = await readInstanceSetting(db, modeKey);
    return isMode(stored) ? stored : null;
  }

  return {
    defaults,
    /** The mode in force and where it comes from. */
    async current(): Promise<{ mode: SignupMode; source: "admin" | "environment" }> {
      const stored = await storedMode();
      return stored ? { mode: stored, source: "admin" } : { mode: defaults.mode, source: "environment" };
    },

    /** What /sign-up offers: a closed or invite-only instance has no form (without a link), except while it is empty. */
    async signupPage(): Promise<SignupMode> {
      const { mode } = await this.current();
      if (mode === "closed" || mode === "invite") {
        const anyone = await db.select({ id: user.id }).from(user).limit(1);
        if (anyone.length === 0) return "open";
      }
      return mode;
    },

    async setModeByAdmin(adminId: string, mode: SignupMode | null): Promise<void> {
      await writeInstanceSetting(db, modeKey, mode, adminId);
    },

    /**
     * For a new account that is neither the instance's first nor a verified ADMIN_EMAILS address:
     * its approval status, or an APIError saying why it may not be made. An admin's invitation
     * (any mode but closed) takes one of its uses and needs no approval: an admin made it. An
     * account let into an invite-only instance by a workspace invitation alone is held until its
     * address is verified ("unverified"; see `refusal` for why).
     */
    async admit(
      email: string,
      tickets: SignupTickets = {},
    ): Promise<{ approvalStatus: "pending" | "unverified" | null; invited: boolean }> {
      const refusal = await this.refusal(email, tickets);
      if (refusal) throw refusal;
      if (tickets.invite) {
        await invitations.use(tickets.invite, email);
        return { approvalStatus: null, invited: true };
      }
      const { mode } = await this.current();
      if (mode === "approval") return { approvalStatus: "pending", invited: false };
      return { approvalStatus: mode === "invite" ? "unverified" : null, invited: false };
    },

    /**
     * Why this address may not sign up whoever owns it, or null: the domain and the mode, which
     * never depend on whether the address has an account (so saying it reveals nothing).
     * An invitation is checked here and used when the account is made.
     *
     * Workspace invitations (`/sign-up?workspace-invite=ID`, the form sends the id in the
     * x-workspace-invite header). A workspace owner or admin invites people into their workspace,
     * not onto the instance, so the invitation changes only what `invite` mode asks for:
     * - `open`: nothing changes (the header is not even read).
     * - `invite`: a pending, unexpired workspace invitation for exactly the typed address stands
     *   in for an admin's invitation. Its link may have been passed on, and typing an address
     *   proves nothing, so the account is held until that address is verified; accepting the
     *   invitation needs the verified address anyway (lib/workspaces/actions.ts).
     * - `approval`: the account is made and waits for an instance admin like any other: a
     *   workspace owner cannot approve people onto the instance.
     * - `closed`: refused, like every sign-up.
     * SIGNUP_EMAIL_DOMAINS applies first, in every mode.
     */
    async refusal(email: string, tickets: SignupTickets = {}): Promise<APIError | null> {
      const domain = email.split("@").pop()?.toLowerCase() ?? "";
      if (defaults.domains.size > 0 && !defaults.domains.has(domain)) {
        return new APIError("FORBIDDEN", {
          code: "SIGNUP_DOMAIN_NOT_ALLOWED",
          message: `Sign-up is limited to addresses at ${[...defaults.domains].join(", ")}.`,
        });
      }
      const { mode } = await this.current();
      if (mode === "closed")
        return new APIError("FORBIDDEN", { code: "SIGNUP_CLOSED", message: "Sign-up is closed on this instance." });
      if (mode === "invite" && !tickets.invite) {
        if (tickets.workspaceInvite) {
          const why = await workspaceInvitations.signupRefusal(tickets.workspaceInvite, email);
          return why ? new APIError("FORBIDDEN", { code: "WORKSPACE_INVITATION_INVALID", message: why }) : null;
        }
        return new APIError("FORBIDDEN", {
          code: "SIGNUP_INVITE_ONLY",
          message: "Sign-up on this instance needs an invitation link from an admin.",
        });
      }
      // Checked here, used when the account is made: a bad token is refused alike for new and taken addresses.
      return tickets.invite ? invitations.refusal(tickets.invite, email) : null;
    },

    /** SIGNUP_EMAIL_DOMAINS trusts a domain only in an address someone proved they read. */
    unverifiedProviderError: () =>
      new APIError("FORBIDDEN", {
        code: "SIGNUP_EMAIL_NOT_VERIFIED",
        message: "Sign-up here needs an email address that your provider has verified.",
      }),
  };
}

export type SignupPolicy = ReturnType<typeof createSignupPolicy>;

export const signupPolicy = createSignupPolicy(defaultDb);
