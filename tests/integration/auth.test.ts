import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuth } from "@/auth";
import type { DatabaseHandle } from "@/db/connect";
import { account, session, user } from "@/db/schema";
import { cookieHeader } from "../support/cookies";
import { engines, testEnv } from "../support/databases";
import { uniqueEmail } from "../support/unique-email";

describe.each(engines)("accounts and sessions on $name", ({ open }) => {
  let handle: DatabaseHandle;
  let auth: ReturnType<typeof createAuth>;

  beforeAll(async () => {
    handle = open();
    await handle.ready();
    auth = createAuth(handle.db, testEnv());
  });
  afterAll(() => handle.close());

  it("sign-up creates a user, a credential account and a database session", async () => {
    const email = uniqueEmail("signup");
    const { headers, response } = await auth.api.signUpEmail({
      body: { name: "Ada Lovelace", email, password: "correct horse" },
      returnHeaders: true,
    });
    const [row] = await handle.db.select().from(user).where(eq(user.email, email));
    expect(row).toMatchObject({ name: "Ada Lovelace", email });
    const accounts = await handle.db.select().from(account).where(eq(account.userId, row.id));
    expect(accounts).toHaveLength(1);
    expect(accounts[0]).toMatchObject({ providerId: "credential" });
    expect(accounts[0].password).not.toContain("correct horse");
    const sessions = await handle.db.select().from(session).where(eq(session.userId, row.id));
    expect(sessions.map((s) => s.token)).toEqual([response.token]);

    const cookie = headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/better-auth\.session_token=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
  });

  it("a session is only as alive as its row", async () => {
    const { headers } = await auth.api.signUpEmail({
      body: { name: "Grace", email: uniqueEmail("revoke"), password: "correct horse" },
      returnHeaders: true,
    });
    const cookie = cookieHeader(headers, "session_token");
    const request = new Headers({ cookie });
    const live = await auth.api.getSession({ headers: request });
    expect(live?.user.name).toBe("Grace");

    await handle.db.delete(session).where(eq(session.userId, live!.user.id));
    expect(await auth.api.getSession({ headers: request })).toBeNull();
  });

  it("rejects a wrong password and a short one", async () => {
    const email = uniqueEmail("wrong");
    await auth.api.signUpEmail({ body: { name: "Linus", email, password: "correct horse" } });
    await expect(auth.api.signInEmail({ body: { email, password: "wrong horse" } })).rejects.toMatchObject({
      body: { code: "INVALID_EMAIL_OR_PASSWORD" },
    });
    await expect(
      auth.api.signUpEmail({ body: { name: "Short", email: uniqueEmail("short"), password: "1234567" } }),
    ).rejects.toMatchObject({ body: { code: "PASSWORD_TOO_SHORT" } });
  });
});
