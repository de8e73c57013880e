// The benchmark drives the app's server modules from plain Node (it is the server), so the
// `server-only` marker resolves to an empty module, as it does inside Next.js's server build.
import { register } from "node:module";

register(
  "data:text/javascript," +
    encodeURIComponent(
      `export async function resolve(specifier, context, next) {
        return specifier === "server-only" ? { url: "data:text/javascript,", shortCircuit: true } : next(specifier, context);
      }`,
    ),
  import.meta.url,
);
