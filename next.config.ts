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
    // The PDF text worker is started from a path built at run time (lib/attachments/pdf-text.ts), which file
    // tracing cannot follow: the upload route's trace lists it and what it imports.
    outputFileTracingIncludes: {
      "/api/attachments": [
        "./lib/attachments/pdf-text-worker.mjs",
        "./node_modules/unpdf/package.json",
        "./node_modules/unpdf/dist/*.mjs",
      ],
    },
    poweredByHeader: false,
    headers: async () => [
      { source: "/:path*", headers: securityHeaders },
      // Uploaded files: nothing in one may run, load or be framed, whatever it turns out to be.
      { source: "/api/attachments/:id", headers: [{ key: "Content-Security-Policy", value: fileSecurityPolicy }] },
      // Shared links (the page, its 404, its files, "continue"): never stored by a cache or a browser's
      // back button, never indexed, and a link followed from one says nothing of where it came from.
      { source: "/s/:path*", headers: shareHeaders },
      { source: "/s/:token/files/:id", headers: [{ key: "Content-Security-Policy", value: fileSecurityPolicy }] },
    ],
  };
}
