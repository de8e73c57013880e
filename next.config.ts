import type { NextConfig } from "next";
import { PHASE_PRODUCTION_SERVER } from "next/constants";
import { missingSecretMessage } from "./lib/auth-secret";

export default function config(phase: string): NextConfig {
  // `next start` without a secret would sign sessions with nothing: refuse to start at all.
  if (phase === PHASE_PRODUCTION_SERVER && !process.env.BETTER_AUTH_SECRET) {
    console.error(missingSecretMessage);
    process.exit(1);
  }
  return {
    // PGlite loads its WebAssembly and data files from its own package directory at run time.
    serverExternalPackages: ["@electric-sql/pglite", "pg"],
    poweredByHeader: false,
  };
}
