import type { Metadata } from "next";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { AccountPanel, type DeviceSession } from "@/components/account/account-panel";
import { ImportSection } from "@/components/account/import-section";
import { InstructionsSection } from "@/components/account/instructions-section";
import { PasskeySettings } from "@/components/account/passkey-settings";
import { SignInMethods } from "@/components/account/sign-in-methods";
import { TwoFactorSettings } from "@/components/account/two-factor-settings";
import { SharedLinks } from "@/components/account/shared-links";
import { ToolConnections } from "@/components/account/tool-connections";
import { passkeys } from "@/lib/auth/passkeys";
import { signInOptions } from "@/lib/auth/social-providers";
import { authApi, getSession } from "@/lib/http/caller";
import { usage } from "@/lib/chat/usage";
import { audit } from "@/lib/admin/audit";
import { describeUserAgent } from "@/lib/shared/user-agent";
import { shareLinks } from "@/lib/sharing/share-links";
import { workspaces } from "@/lib/workspaces/workspaces";
import { toolCatalog } from "@/lib/tools/catalog";
import { projectLimits } from "@/lib/projects/limits";
import { projects } from "@/lib/projects/projects";
import { readImportLimits } from "@/lib/import/limits";

export const metadata: Metadata = { title: "Account · Threadkeeper" };

export default async function AccountPage() {
  const requestHeaders = await headers();
  const session = await getSession(requestHeaders);
  if (!session) redirect("/sign-in?callbackURL=%2Faccount");
  const sessions = await authApi.listSessions({ headers: requestHeaders });
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
  const spent = (await usage.thisMonthForUser(session.user.id)).map(
    ({ model, messages, inputTokens, outputTokens }) => ({ model, messages, inputTokens, outputTokens }),
  );
  const { events } = await audit.listForUser(session.user.id);
  const [accounts, keys, links, spaces, toolServers, instructions] = await Promise.all([
    authApi.listUserAccounts({ headers: requestHeaders }),
    passkeys.listForUser(session.user.id),
    shareLinks.listForUser(session.user.id),
    workspaces.listForUser(session.user.id),
    toolCatalog.connectionsForUser(session.user.id),
    projects.getPersonalInstructions(session.user.id),
  ]);
  const { providers } = signInOptions();
  const labelOf = (providerId: string) =>
    providerId === "credential" ? "Password" : (providers.find((p) => p.id === providerId)?.label ?? providerId);
  const linked = accounts.map((a) => ({
    id: a.id,
    providerId: a.providerId,
    label: labelOf(a.providerId),
    linkedAt: new Date(a.createdAt).toISOString(),
  }));
  const hasPassword = accounts.some((a) => a.providerId === "credential");
  return (
    <AccountPanel
      user={{ name, email, emailVerified }}
      sessions={devices}
      usage={spent}
      quota={usage.quotaFor(session.user.tokenQuota)}
      events={events.map(({ id, at, action, outcome, address, userAgent }) => ({
        id,
        at,
        action,
        outcome,
        address,
        userAgent,
      }))}
      hasPassword={hasPassword}
      instructions={<InstructionsSection initial={instructions} maxChars={projectLimits.maxInstructionsChars} />}
      conversationImport={<ImportSection maxBytes={readImportLimits().maxBytes} />}
      sharedLinks={
        <>
          <SharedLinks links={links} workspaceNames={Object.fromEntries(spaces.map((w) => [w.id, w.name]))} />
          <ToolConnections servers={toolServers} />
        </>
      }
      signIn={
        <>
          <SignInMethods
            accounts={linked}
            passkeyCount={keys.length}
            linkable={providers.filter((p) => !accounts.some((a) => a.providerId === p.id))}
          />
          <PasskeySettings passkeys={keys} />
          <TwoFactorSettings enabled={Boolean(session.user.twoFactorEnabled)} hasPassword={hasPassword} />
        </>
      }
    />
  );
}
