import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuth } from "@/auth";
import type { DatabaseHandle } from "@/db/connect";
import { user, workspaceInvitation, workspaceMember } from "@/db/schema";
import { createAudit } from "@/lib/admin/audit";
import { createWorkspaceActions, type WorkspaceActor } from "@/lib/workspaces/actions";
import { WORKSPACE_INVITE_HEADER } from "@/lib/shared/signup-modes";
import { postToAuth } from "../support/auth-requests";
import { cookieHeader } from "../support/cookies";
import { engines, testEnv } from "../support/databases";
import { uniqueEmail } from "../support/unique-email";

const password = "correct horse";
// Every sign-up here comes from one address: the per-address limit is out of the way.
const unlimited = { AUTH_RATE_LIMIT_MAX: "100000" };

/** Sign-up through a workspace invitation link (/sign-up?workspace-invite=ID) in each sign-up mode. */
describe.each(engines)("sign-up through a workspace invitation on $name", ({ open }) => {
  let handle: DatabaseHandle;
  let openAuth: ReturnType<typeof createAuth>;
  let actions: ReturnType<typeof createWorkspaceActions>;
  let owner: WorkspaceActor;
  let workspaceId: string;
  const inMode = (mode: string, extra: Record<string, string> = {}) =>
    createAuth(handle.db, testEnv({ ...unlimited, SIGNUP_MODE: mode, ...extra }));

  beforeAll(async () => {
    handle = open();
    await handle.ready();
    openAuth = createAuth(handle.db, testEnv(unlimited));
    actions = createWorkspaceActions(handle.db, openAuth.api, createAudit(handle.db), async (token, id) =>
      (await openAuth.$context).internalAdapter.updateSession(token, { activeOrganizationId: id }),
    );
    // The instance's first account would be let in whatever the mode: the owner takes that place.
    const email = uniqueEmail("ws-owner");
    const { headers } = await openAuth.api.signUpEmail({
      body: { name: "Owner", email, password },
      returnHeaders: true,
    });
    await handle.db.update(user).set({ emailVerified: true }).where(eq(user.email, email));
    const cookie = new Headers({ cookie: cookieHeader(headers, "session_token") });
    owner = { user: (await openAuth.api.getSession({ headers: cookie }))!.user, headers: cookie };
    const created = await actions.create(owner, {
      name: "Signup Co",
      slug: `signup-${Math.random().toString(36).slice(2, 8)}`,
    });
    workspaceId = created.id;
  });
  afterAll(() => handle.close());

  const invite = (email: string) => actions.invite(owner, workspaceId, { email, role: "member", days: 7 });
  const signUp = (auth: ReturnType<typeof createAuth>, email: string, workspaceInvite?: string) =>
    postToAuth(
      auth,
      "/sign-up/email",
      { name: "Invitee", email, password },
      workspaceInvite ? { [WORKSPACE_INVITE_HEADER]: workspaceInvite } : {},
    );
  const refusal = async (response: Response) => ({ status: response.status, ...(await response.json()) });
  const accountOf = async (email: string) =>
    (
      await handle.db
        .select({ id: user.id, approvalStatus: user.approvalStatus, emailVerified: user.emailVerified })
        .from(user)
        .where(eq(user.email, email.toLowerCase()))
    )[0];

  it("invite mode: a pending invitation for exactly that address makes an account, held until verified, that can then accept", async () => {
    const auth = inMode("invite");
    const email = uniqueEmail("ws-invited");
    const invitation = await invite(email);

    expect(await refusal(await signUp(auth, email))).toMatchObject({ status: 403, code: "SIGNUP_INVITE_ONLY" });
    // The address as typed may differ in case: it is the same address.
    const made = await signUp(auth, email.toUpperCase(), invitation.id);
    expect(made.status).toBe(200);
    const account = await accountOf(email);
    // No admin let them in, and the link may have been passed on: held until the address is proven.
    expect(account).toMatchObject({ approvalStatus: "unverified", emailVerified: false });

    // Verified (the mailed link), they accept; the invitation is then used.
    await handle.db.update(user).set({ emailVerified: true }).where(eq(user.id, account.id));
    const cookie = new Headers({ cookie: cookieHeader(made, "session_token") });
    const session = await auth.api.getSession({ headers: cookie });
    expect(await actions.accept({ user: session!.user, headers: cookie }, invitation.id)).toMatchObject({
      id: workspaceId,
      role: "member",
    });
    const members = await handle.db
      .select({ role: workspaceMember.role })
      .from(workspaceMember)
      .where(eq(workspaceMember.userId, account.id));
    expect(members).toEqual([{ role: "member" }]);

    // A used invitation lets nobody else in.
    const late = uniqueEmail("ws-late");
    expect(await refusal(await signUp(auth, late, invitation.id))).toMatchObject({
      status: 403,
      code: "WORKSPACE_INVITATION_INVALID",
      message: "This workspace invitation has already been used.",
    });
    expect(await accountOf(late)).toBeUndefined();
  });

  it("invite mode: another address, an expired, a revoked or an unknown invitation is refused, saying which, and makes no account", async () => {
    const auth = inMode("invite");
    const invited = uniqueEmail("ws-target");
    const invitation = await invite(invited);

    const stranger = uniqueEmail("ws-stranger");
    expect(await refusal(await signUp(auth, stranger, invitation.id))).toMatchObject({
      status: 403,
      code: "WORKSPACE_INVITATION_INVALID",
      message: expect.stringContaining("for another email address"),
    });
    expect(await accountOf(stranger)).toBeUndefined();

    const expiring = uniqueEmail("ws-expired");
    const expired = await invite(expiring);
    await handle.db
      .update(workspaceInvitation)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(workspaceInvitation.id, expired.id));
    expect(await refusal(await signUp(auth, expiring, expired.id))).toMatchObject({
      status: 403,
      code: "WORKSPACE_INVITATION_INVALID",
      message: "This workspace invitation has expired.",
    });
    expect(await accountOf(expiring)).toBeUndefined();

    const revokedFor = uniqueEmail("ws-revoked");
    const revoked = await invite(revokedFor);
    await actions.revokeInvitation(owner, workspaceId, revoked.id);
    expect(await refusal(await signUp(auth, revokedFor, revoked.id))).toMatchObject({
      status: 403,
      code: "WORKSPACE_INVITATION_INVALID",
      message: "This workspace invitation was revoked.",
    });

    for (const bogus of ["x".repeat(32), "not a valid id", "' OR '1'='1", "x".repeat(500)]) {
      expect(await refusal(await signUp(auth, invited, bogus)), bogus).toMatchObject({
        status: 403,
        code: "WORKSPACE_INVITATION_INVALID",
        message: "This workspace invitation link is not valid.",
      });
    }
    expect(await accountOf(invited)).toBeUndefined();
    // The invitation itself is untouched by all of this.
    expect(
      (
        await handle.db
          .select({ status: workspaceInvitation.status })
          .from(workspaceInvitation)
          .where(eq(workspaceInvitation.id, invitation.id))
      )[0].status,
    ).toBe("pending");
  });

  it("SIGNUP_EMAIL_DOMAINS still applies to an invited address", async () => {
    const auth = inMode("invite", { SIGNUP_EMAIL_DOMAINS: "allowed.test" });
    const email = `ws-outside-${Date.now()}@elsewhere.test`;
    const invitation = await invite(email);
    expect(await refusal(await signUp(auth, email, invitation.id))).toMatchObject({
      status: 403,
      code: "SIGNUP_DOMAIN_NOT_ALLOWED",
    });
    expect(await accountOf(email)).toBeUndefined();
  });

  it("approval mode: the account is made but still waits for an instance admin", async () => {
    const auth = inMode("approval");
    const email = uniqueEmail("ws-approval");
    const invitation = await invite(email);
    expect((await signUp(auth, email, invitation.id)).status).toBe(200);
    expect(await accountOf(email)).toMatchObject({ approvalStatus: "pending" });
    // Without an invitation, the same.
    const plain = uniqueEmail("ws-approval-plain");
    expect((await signUp(auth, plain)).status).toBe(200);
    expect(await accountOf(plain)).toMatchObject({ approvalStatus: "pending" });
  });

  it("closed mode: a workspace invitation opens nothing", async () => {
    const auth = inMode("closed");
    const email = uniqueEmail("ws-closed");
    const invitation = await invite(email);
    expect(await refusal(await signUp(auth, email, invitation.id))).toMatchObject({
      status: 403,
      code: "SIGNUP_CLOSED",
    });
    expect(await accountOf(email)).toBeUndefined();
  });

  it("open mode: nothing changes, whatever the header says", async () => {
    const auth = inMode("open");
    const email = uniqueEmail("ws-open");
    expect((await signUp(auth, email, "x".repeat(32))).status).toBe(200);
    expect(await accountOf(email)).toMatchObject({ approvalStatus: null });
  });
});
