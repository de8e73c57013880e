import path from "node:path";
import { builtinRules } from "eslint/use-at-your-own-risk";
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

/*
 * The lines the code holds. The floors, from the bottom up:
 *
 *   db/  →  lib/ (one wing per concern)  →  auth.ts  →  lib/http/caller.ts (the seam)  →  app/ and components/
 *
 * A floor imports from itself and the floors below it, never from above. Beside them runs the
 * browser line: what runs in the browser ("use client" modules, and everything under components/)
 * imports of the project only lib/client/ and lib/shared/, so no server module, and no secret one
 * reads, can end up in a page's JavaScript. lib/shared/ is what both sides read: the wire types
 * and the rules both apply.
 *
 * Both spellings of an import are covered: "@/lib/…" and the relative "../lib/…". Type-only
 * imports count too, unless a line says otherwise.
 */

const root = import.meta.dirname;

/** The project file an import names, as a path from the project root ("lib/shared/threads"), or null for a package. */
function projectPath(source, importer) {
  if (source.startsWith("@/")) return path.posix.normalize(source.slice(2));
  if (source.startsWith("./") || source.startsWith("../"))
    return path
      .relative(root, path.resolve(path.dirname(importer), source))
      .split(path.sep)
      .join("/");
  return null;
}

const browserMayImport = ["lib/client/", "lib/shared/", "components/"];

/**
 * The browser line. It needs a rule of its own because no-restricted-imports picks files by path
 * and a "use client" module can be anywhere: this rule looks for the directive.
 */
const browserImports = {
  meta: {
    type: "problem",
    docs: {
      description:
        'A "use client" module or a file under components/ imports from the project only lib/client/, lib/shared/ and components/.',
    },
    schema: [],
    messages: {
      crossed:
        '{{file}} is on the browser side ({{why}}): of the project it may import only lib/client/, lib/shared/ and components/, not "{{source}}". A value or type both sides need goes in lib/shared/; what the server reads, the page under app/ reads and passes down as props.',
    },
  },
  create(context) {
    const file = path.relative(root, context.filename).split(path.sep).join("/");
    let why = file.startsWith("components/") ? "under components/" : null;
    const check = (literal) => {
      if (!why || literal?.type !== "Literal" || typeof literal.value !== "string") return;
      const target = projectPath(literal.value, context.filename);
      if (target !== null && !browserMayImport.some((allowed) => target.startsWith(allowed))) {
        context.report({ node: literal, messageId: "crossed", data: { file, why, source: literal.value } });
      }
    };
    return {
      // Directives are the statements at the top of the file; the Program is visited before its imports.
      Program: (program) => {
        if (program.body.some((statement) => statement.directive === "use client")) why ??= '"use client"';
      },
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
      // `import("@/lib/chat/threads").ThreadJson` in a type position.
      TSImportType: (node) => check(node.argument?.type === "TSLiteralType" ? node.argument.literal : node.argument),
    };
  },
};

/*
 * The other lines are ESLint's own no-restricted-imports (builtinRules is how ESLint hands out its
 * core rules), registered once per line under a name of its own: a file can be under two lines
 * (lib/shared/x.ts is under lib/** too), and two config blocks setting the same rule for a file
 * replace each other's patterns instead of adding up. An error names the line it crossed.
 */
const restrictImports = builtinRules.get("no-restricted-imports");
const lines = {
  rules: {
    "browser-imports": browserImports,
    "app-no-db": restrictImports,
    "db-floor": restrictImports,
    "lib-floor": restrictImports,
    "auth-seam": restrictImports,
    "seam-floor": restrictImports,
    "shared-only-shared": restrictImports,
    "client-only-client-shared": restrictImports,
  },
};

// Each pattern below matches the "@/…" form and the relative form ("../../db/schema") of an import.
const config = [
  ...nextVitals,
  ...nextTs,
  { ignores: [".next/**", ".data/**", "drizzle/**", "next-env.d.ts", "test-results/**", "playwright-report/**"] },
  { plugins: { lines } },
  { rules: { "lines/browser-imports": "error" } },
  {
    // Route handlers, pages and layouts (and the helpers beside them) go through a lib/ wing: the
    // readiness probe is lib/observability/readiness.ts's, thread statuses are lib/chat/threads.ts's.
    files: ["app/**"],
    rules: {
      "lines/app-no-db": [
        "error",
        {
          patterns: [
            {
              regex: "^(@/|(\\.\\./)+)db(/|$)",
              message: "app/ reaches the database through a lib/ wing, never db/ itself.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["db/**"],
    rules: {
      "lines/db-floor": [
        "error",
        {
          patterns: [
            {
              regex: "^(@/|(\\.\\./)+)(lib|app|components|auth)(/|$)",
              message:
                "db/ is the bottom floor: it imports nothing from lib/, auth.ts, app/ or components/ (it is handed its logger and pool metrics).",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["lib/**"],
    rules: {
      "lines/lib-floor": [
        "error",
        {
          patterns: [
            {
              regex: "^(@/|(\\.\\./)+)(app|components)(/|$)",
              message: "lib/ is below app/ and components/: it never imports them. Move what both need down into lib/.",
            },
          ],
        },
      ],
    },
  },
  {
    // auth.ts is built from lib's wings, so lib/ importing its code would be a cycle; the seam
    // hands the session and better-auth's server calls to the rest of lib/. Types flow down, code
    // does not: `import type { AuthSession } from "@/auth"` stays allowed.
    files: ["lib/**"],
    ignores: ["lib/http/caller.ts"],
    rules: {
      "lines/auth-seam": [
        "error",
        {
          patterns: [
            {
              regex: "^(@/|(\\.\\./)+)auth$",
              allowTypeImports: true,
              message:
                "In lib/, only lib/http/caller.ts imports auth.ts: take getSession, resolveCaller or authApi from there (a type-only import is fine).",
            },
          ],
        },
      ],
    },
  },
  {
    // The seam and the route wrapper on it sit above auth.ts: a wing that imported them would load
    // auth.ts (and so itself) from below. Their types may flow down.
    files: ["lib/**"],
    ignores: ["lib/http/caller.ts", "lib/http/route.ts"],
    rules: {
      "lines/seam-floor": [
        "error",
        {
          patterns: [
            {
              regex: "^(@/lib/http/|(\\.\\./)+http/|\\./)(caller|route)$",
              allowTypeImports: true,
              message:
                "lib/http/caller.ts and lib/http/route.ts sit above auth.ts: a wing takes what it needs as an argument, and the seam builds the instance (as it does adminUsers).",
            },
          ],
        },
      ],
    },
  },
  {
    // (?!…) reads "anything but": any project path but lib/shared/.
    files: ["lib/shared/**"],
    rules: {
      "lines/shared-only-shared": [
        "error",
        {
          patterns: [
            {
              regex: "^(@/(?!lib/shared/)|\\.\\./(?!shared/))",
              message:
                "lib/shared/ is loaded by the server and the browser alike: it imports only lib/shared/ (and packages both can load).",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["lib/client/**"],
    rules: {
      "lines/client-only-client-shared": [
        "error",
        {
          patterns: [
            {
              regex: "^(@/(?!lib/(client|shared)/)|\\.\\./(?!(client|shared)/))",
              message:
                "lib/client/ runs in the browser: it imports only lib/client/ and lib/shared/. A type it needs from the server goes in lib/shared/.",
            },
          ],
        },
      ],
    },
  },
];

export default config;
