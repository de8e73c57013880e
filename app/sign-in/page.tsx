import type { Metadata } from "next";
import { AuthPage } from "@/components/account/auth-page";

export const metadata: Metadata = { title: "Sign in · Threadkeeper" };

export default function SignInPage(props: { searchParams: Promise<{ callbackURL?: string | string[] }> }) {
  return <AuthPage mode="sign-in" searchParams={props.searchParams} />;
}
