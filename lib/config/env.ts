/** Environment variables as the app reads them; a plain record so tests can pass their own. */
export type Env = Readonly<Record<string, string | undefined>>;

/** A positive whole number from the environment; a bad value stops the app with a clear message. */
export function positiveIntFromEnv(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`${name} must be a positive whole number, got "${raw}".`);
  }
  return value;
}

/** A comma-separated list from the environment: entries trimmed, empty ones dropped. */
export const listFromEnv = (env: Env, name: string): string[] =>
  (env[name] ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
