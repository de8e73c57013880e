import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import type { AppServer } from "../support/app-server";
import { forgedAddressHeaders, password } from "./helpers";
import { uniqueEmail } from "../support/unique-email";
import { startInstance } from "./instances";

/** The security events in a server log: its JSON lines with msg "auth". */
const authEvents = (log: string) =>
  log
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((e) => e.msg === "auth");

/**
 * The sign-in limits against a real `next start`, where the client address is decided from the
 * TCP peer: each test runs its own server (its own limits and TRUSTED_PROXIES) on a database of
 * its own, so the rate-limit rows of the other tests (all from 127.0.0.1) cannot interfere.
 */
const startLimitedApp = (label: string, env: Record<string, string>) =>
  startInstance(
    `limits-${label}`,
    { AUTH_RATE_LIMIT_MAX: "3", AUTH_ACCOUNT_MAX_FAILURES: "5", ...env },
    { freshDatabase: true },
  );

function client(app: AppServer) {
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${app.url}/api/auth${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: app.url, ...headers },
      body: JSON.stringify(body),
    });
  return {
    post,
    signUp: (email: string, headers?: Record<string, string>) =>
      post("/sign-up/email", { name: "Limits", email, password }, headers),
    signIn: (email: string, pass: string, headers?: Record<string, string>) =>
      post("/sign-in/email", { email, password: pass }, headers),
  };
}

/** Each 429 says when to come back. */
async function expectLimited(response: Response) {
  expect(response.status).toBe(429);
  expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  expect(typeof ((await response.json()) as { message?: unknown }).message).toBe("string");
}

// With no trusted proxy, none of the ways to claim another address may count.
const forgeries = (i: number) => forgedAddressHeaders[i % forgedAddressHeaders.length];

test("no trusted proxy: forged addresses buy no fresh sign-in or sign-up allowance", async () => {
  const app = await startLimitedApp("noproxy", {});
  try {
    const { post, signIn, signUp } = client(app);
    const email = uniqueEmail("spoofed");
    expect((await signUp(email)).status).toBe(200);

    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const response = await signIn(email, `wrong ${i}`, forgeries(i));
      statuses.push(response.status);
      if (response.status === 429) await expectLimited(response);
    }
    expect(statuses).toEqual([401, 401, 401, ...Array(17).fill(429)]);

    // Sign-up has its own allowance per address (one used above): forged addresses do not widen it.
    const signUps: number[] = [];
    for (let i = 0; i < 10; i++) signUps.push((await signUp(uniqueEmail("flood"), forgeries(i))).status);
    expect(signUps).toEqual([200, 200, ...Array(8).fill(429)]);

    // Reset requests and verification resends (3 per minute per address) hold the same way.
    for (const path of ["/request-password-reset", "/send-verification-email"]) {
      const answers: number[] = [];
      for (let i = 0; i < 6; i++)
        answers.push(
          (await post(path, { email, redirectTo: "/reset-password", callbackURL: "/" }, forgeries(i))).status,
        );
      expect(answers, path).toEqual([200, 200, 200, 429, 429, 429]);
    }

    // Every refusal is logged with the address the limit used: the real peer, not a forged header.
    // (The server writes its log as it goes: the last lines may land a moment after the answers.)
    const refusals = () => authEvents(readFileSync(app.logFile, "utf8")).filter((e) => e.event === "rate_limited");
    await expect.poll(() => refusals().length).toBe(17 + 8 + 3 + 3);
    const log = readFileSync(app.logFile, "utf8");
    const limited = refusals();
    expect(limited.every((e) => e.address === "127.0.0.1")).toBe(true);
    expect(log).not.toContain("wrong 1");
  } finally {
    await app.stop();
  }
});

test("behind a trusted proxy: one account is locked after 5 failures from 20 addresses, others are not, and it opens after the window", async () => {
  // A window long enough for 20 password checks on a loaded 2-core machine (3 s was not), short enough to wait out.
  const app = await startLimitedApp("account", { TRUSTED_PROXIES: "127.0.0.1", AUTH_ACCOUNT_WINDOW_S: "10" });
  try {
    const { signIn, signUp } = client(app);
    const email = uniqueEmail("target");
    const bystander = uniqueEmail("bystander");
    expect((await signUp(email, { "x-forwarded-for": "192.0.2.1" })).status).toBe(200);
    expect((await signUp(bystander, { "x-forwarded-for": "192.0.2.2" })).status).toBe(200);

    // Every attempt claims a new address, a single value or as the forged left-most entry of a chain.
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 20; i++) {
      const xff = i % 2 ? `203.0.113.${i}` : `6.6.6.${i}, 198.51.100.${i}`;
      last = await signIn(email, `guess ${i}`, { "x-forwarded-for": xff });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([...Array(5).fill(401), ...Array(15).fill(429)]);
    await expectLimited(last!);
    const retryAfter = Number(last!.headers.get("retry-after"));
    expect(retryAfter).toBeLessThanOrEqual(10);

    const right = await signIn(email, password, { "x-forwarded-for": "192.0.2.1" });
    await expectLimited(right);
    expect(right.headers.get("set-cookie") ?? "").not.toContain("session_token");
    expect((await signIn(bystander, password, { "x-forwarded-for": "192.0.2.3" })).status).toBe(200);

    await new Promise((r) => setTimeout(r, retryAfter * 1000 + 300));
    expect((await signIn(email, password, { "x-forwarded-for": "192.0.2.1" })).status).toBe(200);

    const events = authEvents(readFileSync(app.logFile, "utf8"));
    const failed = events.filter((e) => e.event === "sign_in_failed" && e.email === email);
    expect(failed.map((e) => e.address)).toEqual([
      "198.51.100.0",
      "203.0.113.1",
      "198.51.100.2",
      "203.0.113.3",
      "198.51.100.4",
    ]);
    expect(events.filter((e) => e.event === "sign_in_locked" && e.email === email).length).toBe(16);
  } finally {
    await app.stop();
  }
});

test("behind a trusted proxy: two real clients get separate per-address allowances, and a forged left-most entry changes nothing", async () => {
  const app = await startLimitedApp("proxy", { TRUSTED_PROXIES: "127.0.0.1", AUTH_ACCOUNT_MAX_FAILURES: "1000" });
  try {
    const { signIn } = client(app);
    const email = uniqueEmail("nobody");
    const from = (real: string, forged: string) => ({ "x-forwarded-for": `${forged}, ${real}` });
    const first: number[] = [];
    for (let i = 0; i < 5; i++) first.push((await signIn(email, "wrong", from("198.51.100.10", `1.2.3.${i}`))).status);
    expect(first).toEqual([401, 401, 401, 429, 429]);
    // Another client behind the same proxy is untouched by the first one's limit.
    const second: number[] = [];
    for (let i = 0; i < 4; i++)
      second.push((await signIn(email, "wrong", from("198.51.100.20", "198.51.100.10"))).status);
    expect(second).toEqual([401, 401, 401, 429]);
  } finally {
    await app.stop();
  }
});
