import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { NextConfig } from "next";
import { PHASE_PRODUCTION_SERVER } from "next/constants";
import { startupProblem } from "./lib/config/startup-checks";

const isDev = process.env.NODE_ENV !== "production";

// Next.js inlines its bootstrap scripts, so scripts need 'unsafe-inline' (no nonces: pages stay
// cacheable); everything else is same-origin only. Markdown renders no raw HTML.
const contentSecurityPolicy = [
  "default-src 'self'",
  `script-src 'self' 'unsafe-inline'${isDev ? " 'unsafe-eval'" : ""}`,
  "style-src 'self' 'unsafe-inline'",
  // No image from elsewhere: loading one needs no click, so its URL could carry data out.
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  `connect-src 'self'${isDev ? " ws:" : ""}`,
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const securityHeaders = [
  { key: "Content-Security-Policy", value: contentSecurityPolicy },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
];

const fileSecurityPolicy = "default-src 'none'; img-src 'self'; sandbox";

// Later entries override the global ones; lib/http/share-requests.ts sets the same on the proxy's own answers.
const shareHeaders = [
  { key: "Cache-Control", value: "no-store" },
  { key: "X-Robots-Tag", value: "noindex, nofollow" },
  { key: "Referrer-Policy", value: "no-referrer" },
];

/**
 * Globs for every package directory `roots` load at run time, found as Node resolves them (a nested copy
 * before a hoisted one) through each package.json's `dependencies` and `optionalDependencies`, so the
 * list follows any upgrade. Throws at build time when a required package is not installed.
 */
function packageClosure(roots: string[], from = process.cwd()): string[] {
  const found = new Set<string>();
  const visit = (name: string, dependent: string, optional: boolean) => {
    for (let dir = dependent; ; dir = path.dirname(dir)) {
      const candidate = path.join(dir, "node_modules", name);
      if (existsSync(path.join(candidate, "package.json"))) {
        if (found.has(candidate)) return;
        found.add(candidate);
        const pkg = JSON.parse(readFileSync(path.join(candidate, "package.json"), "utf8"));
        for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, candidate, false);
        for (const dep of Object.keys(pkg.optionalDependencies ?? {})) visit(dep, candidate, true);
        return;
      }
      if (path.dirname(dir) === dir) {
        if (optional) return;
        throw new Error(`${name}, needed by ${dependent}, is not installed`);
      }
    }
  };
  for (const root of roots) visit(root, from, false);
  return [...found].map((dir) => `./${path.relative(from, dir).replaceAll(path.sep, "/")}/**`);
}

// assistant-ui's hosted-cloud SDK never runs in this app (lib/client/assistant-cloud-stub.ts): in the
// browser both its entry points are the stub: 8 kB gzip off the first load of every page.
const assistantCloudStub = "./lib/client/assistant-cloud-stub.ts";
const assistantCloudEntries = ["assistant-cloud", "assistant-cloud/ai-sdk"];

export default function config(phase: string): NextConfig {
  // `next start` refuses to start on settings it cannot run with (lib/config/startup-checks.ts).
  const problem = phase === PHASE_PRODUCTION_SERVER ? startupProblem() : null;
  if (problem) {
    console.error(problem);
    process.exit(1);
  }
  return {
    // .next/standalone: the server and the node_modules it uses, to copy to a server (see the
    // README's production section; `npm run build` adds the static files and migrations).
    output: "standalone",
    // PGlite loads its WebAssembly and data files from its own package directory at run time; the
    // logger and metrics load once from node_modules, shared by the instrumentation and route bundles.
    serverExternalPackages: [
      "@electric-sql/pglite",
      "pg",
      "pino",
      "pino-pretty",
      "prom-client",
      "@opentelemetry/api",
      "@opentelemetry/sdk-node",
      "@opentelemetry/exporter-trace-otlp-http",
      "@opentelemetry/instrumentation-pg",
      // Loaded on first use only (ATTACHMENT_STORAGE=s3), from node_modules as published.
      "@aws-sdk/client-s3",
      // Only lib/attachments/pdf-text-worker.mjs imports it, in a worker thread; never bundle it if a route ever does.
      "unpdf",
    ],
    // The PDF text and snapshot Markdown workers are started from paths built at run time
    // (lib/attachments/pdf-text.ts, lib/sharing/snapshot-html.ts), which file tracing cannot follow: the
    // routes that start them list them and what they import. The Markdown worker's imports are about 100
    // packages, so their directories are computed from package.json files rather than listed by hand;
    // here rather than copied after the build, so a bare `next build` and anything reading the route's
    // trace get them too, and the standalone copy stays Next.js's own.
    outputFileTracingIncludes: {
      "/api/attachments": [
        "./lib/attachments/pdf-text-worker.mjs",
        "./node_modules/unpdf/package.json",
        "./node_modules/unpdf/dist/*.mjs",
      ],
      // The upload wakes this instance's indexer, which reads PDFs on the same worker.
      "/api/projects/*/files": [
        "./lib/attachments/pdf-text-worker.mjs",
        "./node_modules/unpdf/package.json",
        "./node_modules/unpdf/dist/*.mjs",
      ],
      // The conversation import's parse worker and what it imports (lib/import/import.ts).
      "/api/account/import": [
        "./lib/import/*.mjs",
        "./node_modules/fflate/package.json",
        "./node_modules/fflate/esm/index.mjs",
        "./node_modules/@streamparser/json/package.json",
        "./node_modules/@streamparser/json/dist/mjs/**/*.js",
      ],
      // Mermaid's browser build, served as files (app/vendor/mermaid).
      "/vendor/mermaid/*": [
        "./node_modules/mermaid/dist/mermaid.esm.min.mjs",
        "./node_modules/mermaid/dist/chunks/mermaid.esm.min/*.mjs",
      ],
      // PUT takes the snapshot (the route's path is matched as a glob: `*` stands for `[id]`).
      "/api/threads/*/link": [
        "./lib/sharing/markdown-worker.mjs",
        ...packageClosure(["react", "react-dom", "react-markdown", "remark-gfm"]),
      ],
    },
    // The development database and its generated auth secret sit under .data/; file tracing follows the
    // app's `path.join(process.cwd(), ".data", …)` there and would copy them into the standalone output.
    // Next.js matches these globs unanchored (picomatch `contains`), so "./.data/**" also matched
    // node_modules/@electric-sql/pglite/dist/pglite.data and left PGlite unable to start: "**/.data/**"
    // needs a path segment named exactly .data.
    // Sharp and its libvips (19 MB) serve only next/image's optimiser, which this app never uses
    // (`images.unoptimized`). React's development builds stay: never run in production, but Node reads the
    // files an ES module imports from React's CommonJS entry points to find their named exports.
    outputFileTracingExcludes: { "*": ["**/.data/**", "./node_modules/sharp/**", "./node_modules/@img/**"] },
    // Images are served as they are (uploads and icons): no server-side fetch or resize of any URL.
    images: { unoptimized: true },
    poweredByHeader: false,
    webpack: (webpackConfig: { resolve: { alias: Record<string, string> } }, { isServer }: { isServer: boolean }) => {
      if (!isServer)
        for (const entry of assistantCloudEntries)
          webpackConfig.resolve.alias[`${entry}$`] = path.resolve(assistantCloudStub);
      return webpackConfig;
    },
    turbopack: {
      resolveAlias: Object.fromEntries(assistantCloudEntries.map((entry) => [entry, { browser: assistantCloudStub }])),
    },
    headers: async () => [
      { source: "/:path*", headers: securityHeaders },
      // Uploaded files: nothing in one may run, load or be framed, whatever it turns out to be.
      { source: "/api/attachments/:id", headers: [{ key: "Content-Security-Policy", value: fileSecurityPolicy }] },
      {
        source: "/api/projects/:id/files/:fileId/content",
        headers: [{ key: "Content-Security-Policy", value: fileSecurityPolicy }],
      },
      // Shared links (the page, its 404, its files, "continue"): never stored by a cache or a browser's
      // back button, never indexed, and a link followed from one says nothing of where it came from.
      { source: "/s/:path*", headers: shareHeaders },
      { source: "/s/:token/files/:id", headers: [{ key: "Content-Security-Policy", value: fileSecurityPolicy }] },
    ],
  };
}
