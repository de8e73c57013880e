import { defineConfig } from "drizzle-kit";

// `db:generate` needs no database; `db:migrate` applies drizzle/ to DATABASE_URL.
// (The embedded PGlite database migrates itself when the app first uses it.)
export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema.ts",
  out: "./drizzle",
  dbCredentials: { url: process.env.DATABASE_URL ?? "postgres://localhost:5432/postgres" },
  strict: true,
  verbose: true,
});
