/**
 * For a bench file run alone (`npx tsx … bench/<file>.ts`): a PostgreSQL and the app (the last
 * `npm run build`) of its own, with the bench user signed up, and rows printed as bench/run.ts
 * prints them.
 */
import { rowLine, type Stats } from "./measure";

export type PrintedRow = {
  name: string;
  stats?: Stats;
  value?: string;
  perSecond?: number;
  errors?: number;
  target: string;
  pass: boolean;
};

export function printRow(row: PrintedRow) {
  console.log(`${rowLine(row)}  (target ${row.target})`);
}

/** Signs a bench user up on the app at `baseURL`: their session cookie (`name=value`) and id. */
export async function signUpBenchUser(baseURL: string, name: string, email: string) {
  const signUp = await fetch(`${baseURL}/api/auth/sign-up/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: baseURL },
    body: JSON.stringify({ name, email, password: "bench password" }),
  });
  const cookie = (signUp.headers.get("set-cookie") ?? "").split(";")[0];
  const { user } = (await signUp.json()) as { user: { id: string } };
  return { cookie, userId: user.id };
}

export async function startStandalone(name: string) {
  const { startApp } = await import("../tests/support/app-server");
  const { migratePostgres } = await import("../tests/support/migrate");
  const { freePort, startTestPostgres } = await import("../tests/support/postgres");
  const postgres = await startTestPostgres(name);
  await migratePostgres(postgres.url);
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const server = await startApp(
    port,
    {
      ...process.env,
      DATABASE_URL: postgres.url,
      BETTER_AUTH_SECRET: "bench-secret-bench-secret-bench-secret-01",
      BETTER_AUTH_URL: baseURL,
      OPENAI_API_KEY: "bench",
      OPENAI_BASE_URL: "http://127.0.0.1:9/v1",
      OPENAI_MODEL: "fake-model",
      AUTH_RATE_LIMIT_MAX: "1000000",
      CHAT_RATE_LIMIT_PER_MINUTE: "1000000",
      CHAT_RATE_LIMIT_PER_DAY: "1000000",
      SHARE_VIEW_RATE_LIMIT_PER_MINUTE: "1000000",
      NEXT_TELEMETRY_DISABLED: "1",
    },
    "/dev/null",
  );
  try {
    const { cookie, userId } = await signUpBenchUser(baseURL, "Bench", "bench@bench.invalid");
    return {
      baseURL,
      databaseUrl: postgres.url,
      cookie,
      userId,
      stop: async () => {
        await server.stop();
        await postgres.stop();
      },
    };
  } catch (error) {
    await server.stop();
    await postgres.stop();
    throw error;
  }
}
