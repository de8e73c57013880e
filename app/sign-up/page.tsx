import type { Metadata } from "next";
import { AuthPage } from "@/components/account/auth-page";
import { readAuthPageState } from "@/app/auth-page-state";

export const metadata: Metadata = { title: "Sign up · Threadkeeper" };

export default async function SignUpPage(props: { searchParams: Promise<{ callbackURL?: string | string[] }> }) {
  return <AuthPage state={await readAuthPageState("sign-up", props.searchParams)} />;
}
