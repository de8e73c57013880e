import { readFile } from "node:fs/promises";
import path from "node:path";
import { notFound } from "@/lib/http/errors";
import { methods, route } from "@/lib/http/route";

const dist = path.join(process.cwd(), "node_modules", "mermaid", "dist");
const entry = "mermaid.esm.min.mjs";
const chunk = /^chunks\/mermaid\.esm\.min\/[A-Za-z0-9_-]{1,100}\.mjs$/;
let entryTag: Promise<string> | undefined;
/** The entry's ETag: the installed Mermaid's version. */
const tagOfEntry = () =>
  (entryTag ??= readFile(path.join(dist, "..", "package.json"), "utf8").then(
    (text) => `"mermaid-${(JSON.parse(text) as { version: string }).version}"`,
  ));

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /**
   * Mermaid's own prebuilt browser build (`mermaid.esm.min.mjs` and its chunks, from the installed
   * package), loaded by the first diagram (components/chat/mermaid-diagram.tsx). Not bundled: 6 MB of
   * code that the development server compiled with `/` (about 12 s of a first run on 2 cores) and
   * every build processed again. Public, like the app's other scripts: no user data. Only those
   * files answer (the entry, and chunks named by content hashes, cached for good); anything else is
   * a 404.
   */
  GET: route<{ file: string[] }>({ auth: "public" }, async ({ request, params }) => {
    const file = params.file.join("/");
    if (file !== entry && !chunk.test(file)) throw notFound("File");
    // The entry's name stays across Mermaid versions: asked again each time, a 304 while unchanged.
    const cache: Record<string, string> =
      file === entry
        ? { "cache-control": "public, max-age=0, must-revalidate", etag: await tagOfEntry() }
        : { "cache-control": "public, max-age=31536000, immutable" };
    if (cache.etag && request.headers.get("if-none-match") === cache.etag)
      return new Response(null, { status: 304, headers: cache });
    const body = await readFile(path.join(dist, file)).catch(() => null);
    if (!body) throw notFound("File");
    return new Response(new Uint8Array(body), {
      headers: { "content-type": "text/javascript; charset=utf-8", ...cache },
    });
  }),
});
