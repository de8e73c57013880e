"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { adminUsers } from "@/lib/admin-users";
import { invitations } from "@/lib/invitations";
import { getPageSession } from "@/lib/session";
import { signupModes } from "@/lib/signup-modes";
import { signupPolicy } from "@/lib/signup-policy";

/** Server actions are public endpoints: each checks, on its own, that an admin calls it. */
async function requireAdmin() {
  const session = await getPageSession();
  if (!session || (session.user as { role?: string | null }).role !== "admin") throw new Error("Admins only.");
  return session.user.id;
}

export async function approveUser(userId: string) {
  await requireAdmin();
  await adminUsers.approve(z.string().min(1).max(100).parse(userId));
  revalidatePath("/admin");
}

/** A mode an admin picks wins over SIGNUP_MODE; null goes back to the environment's. */
export async function setSignupMode(mode: string | null) {
  const adminId = await requireAdmin();
  await signupPolicy.setModeByAdmin(adminId, mode === null ? null : z.enum(signupModes).parse(mode));
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
  const { token } = await invitations.create(adminId, invitationInput.parse(input));
  revalidatePath("/admin");
  return { token };
}

export async function revokeInvitation(id: string) {
  await requireAdmin();
  await invitations.revoke(z.uuid().parse(id));
  revalidatePath("/admin");
}
