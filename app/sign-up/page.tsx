import type { Metadata } from "next";
import { AuthPage } from "@/components/account/auth-page";

export const metadata: Metadata = { title: "Sign up · Threadkeeper" };

export default function SignUpPage(props: { searchParams: Promise<{ callbackURL?: string | string[] }> }) {
  return <AuthPage mode="sign-up" searchParams={props.searchParams} />;
}
