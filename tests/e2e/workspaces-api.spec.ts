import { readFileSync } from "node:fs";
import { expect, test, type APIRequest, type APIRequestContext, type APIResponse } from "@playwright/test";
import { apiAdmin, password } from "./helpers";
import { withDb } from "./db";
import { startInstance } from "./instances";
import { uniqueEmail } from "../support/unique-email";

type Workspace = { id: string; name: string; slug: string; role: "owner" | "admin" | "member" };
type Person = { request: APIRequestContext; userId: string; email: string };

/** A signed-up person with their own HTTP client; `verified` as if they had opened the mailed link. */
async function person(
  playwright: { request: APIRequest },
  baseURL: string,
  name: string,
  { verified = true, databaseUrl }: { verified?: boolean; databaseUrl?: string } = {},
): Promise<Person> {
  const email = uniqueEmail(name.toLowerCase().replace(/\W+/g, "-"));
  const request = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { origin: baseURL } });
  const response = await request.post("/api/auth/sign-up/email", { data: { name, email, password } });
  expect(response.status()).toBe(200);
  const { user } = (await response.json()) as { user: { id: string } };
  const someone = { request, userId: user.id, email };
  if (verified) await verify(someone, databaseUrl);
  return someone;
}

/** Marks the address verified, as the mailed link does, and waits until the server's session reads say so. */
async function verify(who: Person, databaseUrl?: string) {
  await withDb(
    (client) => client.query(`update "user" set email_verified = true where id = $1`, [who.userId]),
    databaseUrl,
  );
  await expect
    .poll(async () => (await (await who.request.get("/api/auth/get-session")).json())?.user?.emailVerified)
    .toBe(true);
}

let slugs = 0;
const uniqueSlug = (label: string) => `${label}-${process.pid}-${Date.now().toString(36)}-${slugs++}`.slice(0, 40);

async function createWorkspace(owner: Person, name = "Acme"): Promise<Workspace> {
  const response = await owner.request.post("/api/workspaces", { data: { name, slug: uniqueSlug("ws") } });
  expect(response.status(), await response.text()).toBe(201);
  return response.json();
}

async function invite(inviter: Person, workspaceId: string, email: string, role = "member", extra = {}) {
  const response = await inviter.request.post(`/api/workspaces/${workspaceId}/invitations`, {
    data: { email, role, ...extra },
  });
  expect(response.status(), await response.text()).toBe(201);
  return (await response.json()) as {
    invitation: { id: string; email: string; role: string; expiresAt: string };
    url: string;
  };
}

/** `who` joins `workspaceId` with `role`, through an invitation as anyone does. */
async function join(owner: Person, workspaceId: string, who: Person, role = "member") {
  const { invitation } = await invite(owner, workspaceId, who.email, role);
  const accepted = await who.request.post(`/api/invitations/${invitation.id}/accept`);
  expect(accepted.status(), await accepted.text()).toBe(200);
}

async function memberIdOf(viewer: Person, workspaceId: string, userId: string): Promise<string> {
  const details = (await (await viewer.request.get(`/api/workspaces/${workspaceId}`)).json()) as {
    members: { id: string; userId: string }[];
  };
  return details.members.find((m) => m.userId === userId)!.id;
}

/** The error of a refusal, without its request id (which differs per request). */
async function refusal(response: APIResponse) {
  const body = (await response.json()) as { error: { code: string; message: string; requestId: string } };
  expect(body.error.requestId).toBe(response.headers()["x-request-id"]);
  return { status: response.status(), code: body.error.code, message: body.error.message };
}

const missingWorkspace = { status: 404, code: "not_found", message: "Workspace not found." };

test("create, list and switch: the creator owns it and is in it; a non-member's switch is a 404 that leaves the session where it was", async ({
  playwright,
  baseURL,
}) => {
  const alice = await person(playwright, baseURL!, "Alice");
  const carol = await person(playwright, baseURL!, "Carol");

  const empty = await (await alice.request.get("/api/workspaces")).json();
  expect(empty).toEqual({ workspaces: [], active: null, canCreate: true });

  const slug = uniqueSlug("acme");
  const created = await alice.request.post("/api/workspaces", { data: { name: "  Acme Research  ", slug } });
  expect(created.status()).toBe(201);
  const acme = (await created.json()) as Workspace;
  expect(acme).toEqual({ id: expect.any(String), name: "Acme Research", slug, role: "owner" });
  expect(await (await alice.request.get("/api/workspaces")).json()).toEqual({
    workspaces: [acme],
    active: acme,
    canCreate: true,
  });
  expect(await refusal(await alice.request.post("/api/workspaces", { data: { name: "Again", slug } }))).toMatchObject({
    status: 409,
    code: "conflict",
  });

  const toPersonal = await alice.request.put("/api/workspaces/active", { data: { workspaceId: null } });
  expect(await toPersonal.json()).toEqual({ active: null });
  expect((await (await alice.request.get("/api/workspaces")).json()).active).toBeNull();
  // New threads go where the session is.
  expect((await (await alice.request.post("/api/threads", { data: {} })).json()).workspaceId).toBeNull();
  const back = await alice.request.put("/api/workspaces/active", { data: { workspaceId: acme.id } });
  expect(await back.json()).toEqual({ active: acme });
  expect((await (await alice.request.post("/api/threads", { data: {} })).json()).workspaceId).toBe(acme.id);

  const own = await createWorkspace(carol, "Carol's");
  for (const workspaceId of [acme.id, "x".repeat(32), "not a workspace id"]) {
    expect(
      await refusal(await carol.request.put("/api/workspaces/active", { data: { workspaceId } })),
      workspaceId,
    ).toEqual(missingWorkspace);
  }
  const carols = await (await carol.request.get("/api/workspaces")).json();
  expect(carols).toEqual({ workspaces: [own], active: own, canCreate: true });
  const sessions = await withDb(async (client) =>
    (await client.query(`select active_workspace_id from session where user_id = $1`, [carol.userId])).rows.map(
      (r) => r.active_workspace_id as string | null,
    ),
  );
  expect(sessions).toEqual([own.id]);
  for (const p of [alice, carol]) await p.request.dispose();
});

test("invitations: the link is returned, the invitee accepts into it; other address, unverified, revoked, expired and used are refused, each saying so", async ({
  playwright,
  baseURL,
}) => {
  const alice = await person(playwright, baseURL!, "Alice");
  const bob = await person(playwright, baseURL!, "Bob");
  const carol = await person(playwright, baseURL!, "Carol");
  const dave = await person(playwright, baseURL!, "Dave", { verified: false });
  const acme = await createWorkspace(alice);

  const forBob = await invite(alice, acme.id, bob.email.toUpperCase());
  expect(forBob.url).toBe(`${baseURL}/invite/${forBob.invitation.id}`);
  expect(forBob.invitation).toEqual({
    id: expect.stringMatching(/^[A-Za-z0-9_-]{16,64}$/),
    email: bob.email,
    role: "member",
    expiresAt: expect.any(String),
  });
  const days = (iso: string) => (Date.parse(iso) - Date.now()) / 86_400_000;
  expect(days(forBob.invitation.expiresAt)).toBeGreaterThan(6.9);
  expect(days(forBob.invitation.expiresAt)).toBeLessThan(7.1);
  const short = await invite(alice, acme.id, uniqueEmail("short"), "admin", { expiresInDays: 2 });
  expect(days(short.invitation.expiresAt)).toBeGreaterThan(1.9);
  expect(days(short.invitation.expiresAt)).toBeLessThan(2.1);
  // The pending invitations are listed for the owner, never their link's secret beyond its id.
  const listed = (await (await alice.request.get(`/api/workspaces/${acme.id}`)).json()).invitations;
  expect(listed.map((i: { email: string }) => i.email).sort()).toEqual([bob.email, short.invitation.email].sort());

  const accept = (who: Person, id: string) => who.request.post(`/api/invitations/${id}/accept`);
  expect(await refusal(await accept(carol, forBob.invitation.id))).toMatchObject({ status: 403, code: "forbidden" });

  const forDave = await invite(alice, acme.id, dave.email);
  expect(await refusal(await accept(dave, forDave.invitation.id))).toMatchObject({
    status: 403,
    code: "email_not_verified",
  });

  const joined = await accept(bob, forBob.invitation.id);
  expect(joined.status()).toBe(200);
  expect(await joined.json()).toEqual({ ...acme, role: "member" });
  expect((await (await bob.request.get("/api/workspaces")).json()).active).toEqual({ ...acme, role: "member" });

  const used = await refusal(await accept(bob, forBob.invitation.id));
  const forCarol = await invite(alice, acme.id, carol.email);
  const revoke = await alice.request.delete(`/api/workspaces/${acme.id}/invitations/${forCarol.invitation.id}`);
  expect(revoke.status()).toBe(204);
  const revoked = await refusal(await accept(carol, forCarol.invitation.id));
  expect(
    await refusal(await alice.request.delete(`/api/workspaces/${acme.id}/invitations/${forCarol.invitation.id}`)),
  ).toEqual({ status: 404, code: "not_found", message: "Invitation not found." });
  const again = await invite(alice, acme.id, carol.email);
  await withDb((client) =>
    client.query(`update workspace_invitation set expires_at = now() - interval '1 second' where id = $1`, [
      again.invitation.id,
    ]),
  );
  const expired = await refusal(await accept(carol, again.invitation.id));
  for (const r of [used, revoked, expired]) expect(r).toMatchObject({ status: 410, code: "invitation_unavailable" });
  expect(used.message).toContain("already been used");
  expect(revoked.message).toContain("was revoked");
  expect(expired.message).toContain("has expired");

  for (const id of ["x".repeat(32), "short", "%27%20OR%201%3D1", "x".repeat(100)]) {
    expect(await refusal(await accept(carol, id)), id).toEqual({
      status: 404,
      code: "not_found",
      message: "Invitation not found.",
    });
  }
  expect(await (await carol.request.get(`/api/workspaces/${acme.id}`)).status()).toBe(404);

  // Members do not invite; admins do not invite owners; a member is not invited twice.
  expect(
    await refusal(
      await bob.request.post(`/api/workspaces/${acme.id}/invitations`, { data: { email: uniqueEmail("x") } }),
    ),
  ).toMatchObject({ status: 403, code: "forbidden" });
  await join(alice, acme.id, carol, "admin");
  expect(
    await refusal(
      await carol.request.post(`/api/workspaces/${acme.id}/invitations`, {
        data: { email: uniqueEmail("boss"), role: "owner" },
      }),
    ),
  ).toMatchObject({ status: 403, code: "forbidden" });
  await invite(carol, acme.id, uniqueEmail("helper"), "admin");
  expect(
    await refusal(await alice.request.post(`/api/workspaces/${acme.id}/invitations`, { data: { email: bob.email } })),
  ).toMatchObject({ status: 409, code: "conflict" });
  for (const p of [alice, bob, carol, dave]) await p.request.dispose();
});

test("roles, removal, leaving and deletion: admins never touch owners, the last owner stays (409), a deleted workspace is gone (404)", async ({
  playwright,
  baseURL,
}) => {
  const [alice, bob, carol] = [
    await person(playwright, baseURL!, "Alice"),
    await person(playwright, baseURL!, "Bob"),
    await person(playwright, baseURL!, "Carol"),
  ];
  const acme = await createWorkspace(alice);
  await join(alice, acme.id, bob, "admin");
  await join(alice, acme.id, carol);
  const [aliceId, bobId, carolId] = await Promise.all(
    [alice, bob, carol].map((p) => memberIdOf(alice, acme.id, p.userId)),
  );
  const base = `/api/workspaces/${acme.id}`;
  const setRole = (actor: Person, memberId: string, role: string) =>
    actor.request.patch(`${base}/members/${memberId}`, { data: { role } });

  // What each role sees: members no invitations.
  await invite(alice, acme.id, uniqueEmail("pending"));
  const asAdmin = await (await bob.request.get(base)).json();
  expect(asAdmin.workspace).toMatchObject({ id: acme.id, role: "admin", tokenQuota: null });
  expect(asAdmin.members.map((m: { role: string }) => m.role)).toEqual(["owner", "admin", "member"]);
  expect(asAdmin.invitations).toHaveLength(1);
  expect((await (await carol.request.get(base)).json()).invitations).toEqual([]);

  // An admin cannot make an owner, change or remove one.
  for (const response of [
    await setRole(bob, carolId, "owner"),
    await setRole(bob, aliceId, "member"),
    await bob.request.delete(`${base}/members/${aliceId}`),
  ])
    expect(await refusal(response)).toMatchObject({ status: 403, code: "forbidden" });
  // A member manages nobody.
  for (const response of [
    await setRole(carol, carolId, "admin"),
    await carol.request.delete(`${base}/members/${bobId}`),
    await carol.request.patch(base, { data: { name: "Carol's now" } }),
    await carol.request.delete(base),
  ])
    expect(await refusal(response)).toMatchObject({ status: 403, code: "forbidden" });
  expect((await setRole(bob, carolId, "admin")).status()).toBe(204);
  expect((await setRole(bob, carolId, "member")).status()).toBe(204);
  expect(await refusal(await setRole(alice, "x".repeat(32), "admin"))).toEqual({
    status: 404,
    code: "not_found",
    message: "Member not found.",
  });

  // Rename: owners and admins; the quota: owners only, and a refused part changes nothing.
  expect(await refusal(await bob.request.patch(base, { data: { name: "Renamed", tokenQuota: 5 } }))).toMatchObject({
    status: 403,
    code: "forbidden",
  });
  const renamed = await bob.request.patch(base, { data: { name: "Acme Labs" } });
  expect(renamed.status()).toBe(200);
  expect((await renamed.json()).workspace).toMatchObject({ name: "Acme Labs", tokenQuota: null });
  const quota = await alice.request.patch(base, { data: { tokenQuota: 1_000_000 } });
  expect((await quota.json()).workspace).toMatchObject({ name: "Acme Labs", tokenQuota: 1_000_000 });
  expect((await (await alice.request.patch(base, { data: { tokenQuota: null } })).json()).workspace.tokenQuota).toBe(
    null,
  );

  // The last owner neither steps down nor leaves; with a second owner, one may.
  const lastOwner = { status: 409, code: "last_owner" };
  expect(await refusal(await setRole(alice, aliceId, "admin"))).toMatchObject(lastOwner);
  expect(await refusal(await alice.request.post(`${base}/leave`))).toMatchObject(lastOwner);
  // Removing oneself is leaving, not a removal.
  expect(await refusal(await alice.request.delete(`${base}/members/${aliceId}`))).toMatchObject({ status: 403 });

  // Removed: Carol's thread there comes back to her personal space, and the workspace is a 404 to her.
  await carol.request.put("/api/workspaces/active", { data: { workspaceId: acme.id } });
  const carolsThread = await (await carol.request.post("/api/threads", { data: { title: "Carol's" } })).json();
  expect(carolsThread.workspaceId).toBe(acme.id);
  expect((await bob.request.delete(`${base}/members/${carolId}`)).status()).toBe(204);
  expect(await refusal(await carol.request.get(base))).toEqual(missingWorkspace);
  expect(await (await carol.request.get(`/api/threads/${carolsThread.id}`)).json()).toMatchObject({
    workspaceId: null,
    own: true,
  });
  expect((await (await carol.request.get("/api/workspaces")).json()).active).toBeNull();

  expect((await bob.request.post(`${base}/leave`)).status()).toBe(204);
  expect(await refusal(await bob.request.post(`${base}/leave`))).toEqual(missingWorkspace);

  expect((await alice.request.delete(base)).status()).toBe(204);
  expect(await refusal(await alice.request.get(base))).toEqual(missingWorkspace);
  expect(await refusal(await alice.request.delete(base))).toEqual(missingWorkspace);
  expect(await (await alice.request.get("/api/workspaces")).json()).toMatchObject({ workspaces: [], active: null });
  for (const p of [alice, bob, carol]) await p.request.dispose();
});

test("every workspace route answers a non-member, and an instance admin, exactly as it answers a missing id, and changes nothing", async ({
  playwright,
  baseURL,
}) => {
  const alice = await person(playwright, baseURL!, "Alice");
  const bob = await person(playwright, baseURL!, "Bob");
  const carol = await person(playwright, baseURL!, "Carol");
  const admin = await apiAdmin(playwright, baseURL!);
  const acme = await createWorkspace(alice, "Secret project");
  await join(alice, acme.id, bob);
  const bobId = await memberIdOf(alice, acme.id, bob.userId);
  const { invitation } = await invite(alice, acme.id, uniqueEmail("pending"));

  const routes = (workspaceId: string) =>
    [
      ["GET", `/api/workspaces/${workspaceId}`, undefined],
      ["PATCH", `/api/workspaces/${workspaceId}`, { name: "Taken over" }],
      ["PATCH", `/api/workspaces/${workspaceId}`, { tokenQuota: 0 }],
      ["DELETE", `/api/workspaces/${workspaceId}`, undefined],
      ["POST", `/api/workspaces/${workspaceId}/invitations`, { email: carol.email, role: "owner" }],
      ["DELETE", `/api/workspaces/${workspaceId}/invitations/${invitation.id}`, undefined],
      ["PATCH", `/api/workspaces/${workspaceId}/members/${bobId}`, { role: "owner" }],
      ["DELETE", `/api/workspaces/${workspaceId}/members/${bobId}`, undefined],
      ["POST", `/api/workspaces/${workspaceId}/leave`, undefined],
      ["PUT", "/api/workspaces/active", { workspaceId }],
    ] as const;
  const snapshot = () =>
    withDb(async (client) => ({
      workspace: (await client.query(`select row_to_json(w)::text as r from workspace w where id = $1`, [acme.id]))
        .rows,
      members: (
        await client.query(
          `select row_to_json(m)::text as r from workspace_member m where workspace_id = $1 order by 1`,
          [acme.id],
        )
      ).rows,
      invitations: (
        await client.query(
          `select row_to_json(i)::text as r from workspace_invitation i where workspace_id = $1 order by 1`,
          [acme.id],
        )
      ).rows,
      // (The admin's sessions are shared with tests running alongside: Carol's say whether a refused switch moved one.)
      sessions: (
        await client.query(`select id, active_workspace_id from session where user_id = $1 order by 1`, [carol.userId])
      ).rows,
    }));
  const before = await snapshot();
  for (const [who, client] of [
    ["non-member", carol.request],
    ["instance admin", admin.request],
  ] as const) {
    const real = routes(acme.id);
    const missing = routes("x".repeat(32));
    const malformed = routes("no%20such%20workspace");
    for (let i = 0; i < real.length; i++) {
      const answers = [];
      for (const [method, path, data] of [real[i], missing[i], malformed[i]]) {
        answers.push(await refusal(await client.fetch(path, { method, data })));
      }
      const label = `${who}: ${real[i][0]} ${real[i][1]}`;
      expect(answers[0], label).toEqual(missingWorkspace);
      expect(answers[1], label).toEqual(answers[0]);
      expect(answers[2], label).toEqual(answers[0]);
    }
  }
  expect(await snapshot()).toEqual(before);
  for (const p of [alice, bob, carol, admin]) await p.request.dispose();
});

test("creation for admins only, and sign-up through a workspace invitation on an invite-only instance: held until verified, then accepted", async ({
  playwright,
  browser,
}) => {
  test.setTimeout(120_000);
  const app = await startInstance(
    "ws-invite",
    { SIGNUP_MODE: "invite", WORKSPACE_CREATION: "admins" },
    { freshDatabase: true },
  );
  const context = await browser.newContext({ baseURL: app.url });
  try {
    // The empty instance's first account is its admin, who may create workspaces.
    const owner = await person(playwright, app.url, "Owner", { databaseUrl: app.databaseUrl });
    expect((await (await owner.request.get("/api/workspaces")).json()).canCreate).toBe(true);
    const acme = await createWorkspace(owner);
    const invitee = uniqueEmail("invitee");
    const { invitation, url } = await invite(owner, acme.id, invitee);
    expect(url).toBe(`${app.url}/invite/${invitation.id}`);

    const page = await context.newPage();
    await page.goto("/sign-up");
    await expect(page.getByRole("heading", { name: "Sign-up needs an invitation" })).toBeVisible();
    await page.goto(`/sign-up?workspace-invite=${invitation.id}`);
    await expect(page.getByText("You were invited to a workspace")).toBeVisible();
    await page.getByLabel("Name").fill("Invitee");
    await page.getByLabel("Email").fill(invitee);
    await page.getByLabel("Password").fill(password);
    const signedUp = page.waitForResponse((r) => r.url().endsWith("/api/auth/sign-up/email"));
    await page.getByRole("button", { name: "Sign up" }).click();
    const response = await signedUp;
    expect(response.status()).toBe(200);
    expect(response.request().headers()["x-workspace-invite"]).toBe(invitation.id);
    // Held until the address is proven: the link may have been passed on.
    expect(await refusal(await page.request.get("/api/workspaces"))).toMatchObject({
      status: 403,
      code: "email_not_verified",
    });

    // Someone else with the link is refused outright.
    const stranger = await page.request.post(`${app.url}/api/auth/sign-up/email`, {
      headers: { origin: app.url, "x-workspace-invite": invitation.id },
      data: { name: "Stranger", email: uniqueEmail("stranger"), password },
    });
    expect(stranger.status()).toBe(403);
    expect((await stranger.json()).code).toBe("WORKSPACE_INVITATION_INVALID");

    // The mailed link (in the log without SMTP_URL) confirms the address and leads back to the invitation.
    let link: string | undefined;
    await expect
      .poll(() => {
        const mails = readFileSync(app.logFile, "utf8")
          .split("[mail] to ")
          .filter((m) => m.startsWith(`${invitee}:`));
        link = mails
          .map((m) => m.match(/https?:\/\/\S*verify-email\S*/)?.[0])
          .filter(Boolean)
          .at(-1);
        return link;
      })
      .toBeTruthy();
    expect(new URL(link!).searchParams.get("callbackURL")).toBe(`/invite/${invitation.id}`);
    // The link redirects on to the invitation; Playwright may report that as an interrupted navigation.
    await page.goto(link!).catch((error: Error) => {
      if (!/interrupted by another navigation/.test(error.message)) throw error;
    });
    await expect(page).toHaveURL(new RegExp(`/invite/${invitation.id}$`));

    const accepted = await page.request.post(`/api/invitations/${invitation.id}/accept`, {
      headers: { origin: app.url },
    });
    expect(accepted.status(), await accepted.text()).toBe(200);
    expect(await accepted.json()).toEqual({ ...acme, role: "member" });
    const listed = await (await page.request.get("/api/workspaces")).json();
    expect(listed).toEqual({
      workspaces: [{ ...acme, role: "member" }],
      active: { ...acme, role: "member" },
      canCreate: false,
    });
    expect(
      await refusal(
        await page.request.post("/api/workspaces", {
          headers: { origin: app.url },
          data: { name: "Mine", slug: uniqueSlug("mine") },
        }),
      ),
    ).toMatchObject({ status: 403, code: "forbidden" });
    await owner.request.dispose();
  } finally {
    await context.close();
    await app.stop();
  }
});
