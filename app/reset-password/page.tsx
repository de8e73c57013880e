import type { Metadata } from "next";
import { ResetPasswordForm } from "@/components/account/password-reset-forms";

export const metadata: Metadata = { title: "Choose a new password · Threadkeeper" };

type Search = { token?: string | string[]; error?: string | string[] };

// better-auth sends the link here with ?token=…, or with ?error=INVALID_TOKEN when it is stale.
export default async function ResetPasswordPage({ searchParams }: { searchParams: Promise<Search> }) {
  const { token, error } = await searchParams;
  return <ResetPasswordForm token={typeof token === "string" ? token : null} invalid={error !== undefined} />;
}
