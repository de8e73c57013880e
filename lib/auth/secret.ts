import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Env } from "../config/env";

export const missingSecretMessage =
  "BETTER_AUTH_SECRET is not set. Production needs one: generate it with `openssl rand -base64 32` and put it in the environment (see .env.example).";

const devSecretFile = () => path.join(process.cwd(), ".data", "auth-secret");

export function isProductionRuntime(env: Env = process.env): boolean {
  return env.NODE_ENV === "production" && env.NEXT_PHASE !== "phase-production-build";
}

/**
 * The secret that signs session cookies. Production must provide one; in development one is
 * generated once and kept under .data/ so sessions survive restarts.
 */
export function resolveAuthSecret(env: Env = process.env): string {
  if (env.BETTER_AUTH_SECRET) return env.BETTER_AUTH_SECRET;
  if (isProductionRuntime(env)) throw new Error(missingSecretMessage);
  // `next build` signs nothing; it must not write into .data/.
  if (env.NEXT_PHASE === "phase-production-build") return randomBytes(32).toString("base64");
  const file = devSecretFile();
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(path.dirname(file), { recursive: true });
  const secret = randomBytes(32).toString("base64");
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}
