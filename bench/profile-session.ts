/**
 * npx tsx --import ./bench/allow-server-only.mjs --cpu-prof --cpu-prof-dir=bench/results bench/profile-session.ts
 * `auth.api.getSession` in process, as every route calls it, 5,000 times against a real
 * PostgreSQL, with the session cache (PROFILE_SESSION_CACHE=off: without): prints its timing, and
 * with --cpu-prof leaves a profile to read (see bench/README.md).
 */
import { createAuth } from "@/auth";
import { connectPostgres } from "@/db/connect";
import { createSessionCache } from "@/lib/auth/session-cache";
import { migratePostgres } from "../tests/support/migrate";
import { startTestPostgres } from "../tests/support/postgres";
import { stats } from "./measure";

const postgres = await startTestPostgres("profile");
try {
  await migratePostgres(postgres.url);
  const db = connectPostgres(postgres.url, { max: 4 });
  const cached = process.env.PROFILE_SESSION_CACHE !== "off";
  const env = {
    NODE_ENV: "production",
    BETTER_AUTH_SECRET: "profile-secret-profile-secret-profile-0123",
    BETTER_AUTH_URL: "http://localhost:3000",
    SMTP_URL: "smtp://127.0.0.1:9",
  };
  const auth = createAuth(db.db, env, cached ? { sessionCache: createSessionCache(() => db.listen) } : {});
  const { headers } = await auth.api.signUpEmail({
    body: { name: "Profile", email: "profile@bench.invalid", password: "profile password" },
    returnHeaders: true,
  });
  const request = new Headers({
    cookie: headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; "),
  });
  for (let i = 0; i < 500; i++) await auth.api.getSession({ headers: request });
  const samples: number[] = [];
  for (let i = 0; i < Number(process.env.PROFILE_ITERATIONS ?? 5000); i++) {
    const t = performance.now();
    if (!(await auth.api.getSession({ headers: request }))) throw new Error("no session");
    samples.push(performance.now() - t);
  }
  const s = stats(samples);
  console.log(
    `getSession in process${cached ? ", session cache" : ""}: p50 ${s.p50.toFixed(3)} ms, p95 ${s.p95.toFixed(3)}, p99 ${s.p99.toFixed(3)}`,
  );
  await db.close();
} finally {
  await postgres.stop();
}
