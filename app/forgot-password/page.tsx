import type { Metadata } from "next";
import { RequestResetForm } from "@/components/account/password-reset-forms";

export const metadata: Metadata = { title: "Reset your password · Threadkeeper" };

export default function ForgotPasswordPage() {
  return <RequestResetForm />;
}
