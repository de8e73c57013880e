import type { Metadata } from "next";
import { AuthPage } from "@/components/account/auth-page";
import { readAuthPageState } from "@/app/auth-page-state";

export const metadata: Metadata = { title: "Sign in · Threadkeeper" };

export default async function SignInPage(props: { searchParams: Promise<{ callbackURL?: string | string[] }> }) {
  return <AuthPage state={await readAuthPageState("sign-in", props.searchParams)} />;
}
