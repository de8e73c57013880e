import type { Metadata } from "next";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { auth } from "@/auth";
import { AccountPanel, type DeviceSession } from "@/components/account/account-panel";
import { getSession } from "@/lib/session";
import { usage } from "@/lib/usage";
import { audit } from "@/lib/audit";
import { describeUserAgent } from "@/lib/user-agent";

export const metadata: Metadata = { title: "Account · Threadkeeper" };

export default async function AccountPage() {
  const requestHeaders = await headers();
  const session = await getSession(requestHeaders);
  if (!session) redirect("/sign-in?callbackURL=%2Faccount");
  const sessions = await auth.api.listSessions({ headers: requestHeaders });
  const devices: DeviceSession[] = sessions
    .map((s) => ({
      token: s.token,
      device: describeUserAgent(s.userAgent),
      ipAddress: s.ipAddress ?? null,
      signedInAt: new Date(s.createdAt).toISOString(),
      lastActiveAt: new Date(s.updatedAt).toISOString(),
      current: s.id === session.session.id,
    }))
    .sort((a, b) => Number(b.current) - Number(a.current) || b.lastActiveAt.localeCompare(a.lastActiveAt));
  const { name, email, emailVerified } = session.user;
  const spent = (await usage.thisMonthForUser(session.user.id)).map(({ model, messages, inputTokens, outputTokens }) => ({ model, messages, inputTokens, outputTokens }));
  const { events } = await audit.listForUser(session.user.id);
  return (
    <AccountPanel
      user={{ name, email, emailVerified }}
      sessions={devices}
      usage={spent}
      quota={usage.quotaFor((session.user as { tokenQuota?: number | null }).tokenQuota)}
      events={events.map(({ id, at, action, outcome, address, userAgent }) => ({ id, at, action, outcome, address, userAgent }))}
    />
  );
}
