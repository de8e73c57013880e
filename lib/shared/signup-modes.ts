export const signupModes = ["open", "approval", "invite", "closed"] as const;
export type SignupMode = (typeof signupModes)[number];
export const isSignupMode = (value: unknown): value is SignupMode => signupModes.includes(value as SignupMode);

/** The header the sign-up form sends an invitation token in (from /sign-up?invite=TOKEN). */
export const INVITE_HEADER = "x-invite-token";

/** The header the sign-up form sends a workspace invitation's id in (from /sign-up?workspace-invite=ID). */
export const WORKSPACE_INVITE_HEADER = "x-workspace-invite";
