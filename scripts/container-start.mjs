// The container image's command (the Dockerfile copies it next to server.js). With no DATABASE_URL the
// image is a single-person instance on the embedded PGlite in /data; it then keeps its own cookie-signing
// secret there too (made once, mode 0600), so `docker run -v threadkeeper:/data IMAGE` needs no setup and
// sessions survive restarts and upgrades. With DATABASE_URL set, several instances share one database and
// must share one BETTER_AUTH_SECRET: the app refuses to start without it, as outside a container.
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
if (!process.env.DATABASE_URL && !process.env.BETTER_AUTH_SECRET) {
  // /app/.data is a link to the /data volume (where PGlite keeps its files).
  const file = path.join(here, ".data", "auth-secret");
  let secret;
  try {
    secret = readFileSync(file, "utf8").trim();
  } catch {
    secret = randomBytes(32).toString("base64");
    // "wx": two starts racing on a fresh volume must not overwrite each other's secret.
    try {
      writeFileSync(file, secret, { mode: 0o600, flag: "wx" });
      console.log(`No BETTER_AUTH_SECRET: made one in ${file} (the data volume) for this single-instance setup.`);
    } catch (error) {
      if (error?.code !== "EEXIST") {
        console.error(
          `Cannot write ${file}: ${error?.message}. Mount a writable volume at /data or set BETTER_AUTH_SECRET.`,
        );
        process.exit(1);
      }
      secret = readFileSync(file, "utf8").trim();
    }
  }
  process.env.BETTER_AUTH_SECRET = secret;
}
await import("./server.js");
