"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { headers } from "next/headers";
import { adminUsers } from "@/lib/admin-users";
import { audit, type AuditInput } from "@/lib/audit";
import { clientAddressOf } from "@/lib/client-address";
import { invitations } from "@/lib/invitations";
import { usage } from "@/lib/usage";
import { getPageSession } from "@/lib/session";
import { signupModes } from "@/lib/signup-modes";
import { signupPolicy } from "@/lib/signup-policy";

/** Server actions are public endpoints: each checks, on its own, that an admin calls it. */
async function requireAdmin() {
  const session = await getPageSession();
  if (!session || (session.user as { role?: string | null }).role !== "admin") throw new Error("Admins only.");
  return session.user.id;
}

/** The admin's action, in the audit log, with where it came from. */
async function recordAdminAction(event: Omit<AuditInput, "actor" | "address" | "userAgent">) {
  const session = (await getPageSession())!;
  const h = await headers();
  await audit.record({ ...event, actor: session.user, address: clientAddressOf(h), userAgent: h.get("user-agent") });
}

export async function approveUser(userId: string) {
  await requireAdmin();
  const id = z.string().min(1).max(100).parse(userId);
  await adminUsers.approve(id);
  await recordAdminAction({ action: "user_approved", target: { id } });
  revalidatePath("/admin");
}

/** A mode an admin picks wins over SIGNUP_MODE; null goes back to the environment's. */
export async function setSignupMode(mode: string | null) {
  const adminId = await requireAdmin();
  const next = mode === null ? null : z.enum(signupModes).parse(mode);
  await signupPolicy.setModeByAdmin(adminId, next);
  await recordAdminAction({ action: "signup_mode_changed", detail: { mode: next ?? `reset to ${signupPolicy.defaults.mode}` } });
  revalidatePath("/admin");
}

const invitationInput = z.object({
  maxUses: z.coerce.number().int().min(1).max(1000),
  expiresInDays: z.coerce.number().int().min(1).max(365),
  email: z.union([z.literal(""), z.email().max(320)]).optional(),
});

/** Returns the new invitation's token, once: only its hash is kept. */
export async function createInvitation(input: { maxUses: number; expiresInDays: number; email?: string }) {
  const adminId = await requireAdmin();
  const options = invitationInput.parse(input);
  const { token } = await invitations.create(adminId, options);
  await recordAdminAction({ action: "invitation_created", target: options.email ? { email: options.email } : null, detail: { maxUses: options.maxUses, expiresInDays: options.expiresInDays } });
  revalidatePath("/admin");
  return { token };
}

export async function revokeInvitation(id: string) {
  await requireAdmin();
  await invitations.revoke(z.uuid().parse(id));
  await recordAdminAction({ action: "invitation_revoked", detail: { invitation: id } });
  revalidatePath("/admin");
}

/** A person's monthly token quota; null goes back to TOKEN_QUOTA_PER_MONTH. */
export async function setTokenQuota(userId: string, tokens: number | null) {
  await requireAdmin();
  const id = z.string().min(1).max(100).parse(userId);
  const value = tokens === null ? null : z.number().int().min(0).max(1e15).parse(tokens);
  await usage.setQuotaForUser(id, value);
  await recordAdminAction({ action: "quota_changed", target: { id, email: await audit.emailOf(id) }, detail: { tokens: value ?? "default" } });
  revalidatePath("/admin");
}
