import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { z } from "zod";
import { ApiError, notFound } from "@/lib/http/errors";
import { checkServerUrl, isListedHost, isPublicAddress } from "@/lib/tools/network";
import { authIdPattern, storableText } from "@/lib/http/validation";
import {
  identityHeaderPattern,
  reservedIdentityHeader,
  serverAudiences,
  serverAuthModes,
  toolLimits,
  toolPolicies,
} from "@/lib/shared/tools";

/** Characters that would make a name lie about itself on screen: control characters and bidirectional overrides. */
const deceptive = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/u;

const serverName = storableText(toolLimits.serverNameMaxChars)
  .transform((s) => s.trim())
  .pipe(
    z
      .string()
      .min(1, "must not be empty")
      .refine((s) => !deceptive.test(s), "must not contain control characters"),
  );

const description = storableText(toolLimits.serverDescriptionMaxChars).transform((s) => s.trim());

/** The guard (lib/tools/network.ts) decides whether the address may be used; this only bounds it. */
const url = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(toolLimits.serverUrlMaxChars, `must be at most ${toolLimits.serverUrlMaxChars} characters`);

/** A secret sent in an HTTP header or form: visible ASCII, no spaces or line breaks. */
export const secretText = (max: number) =>
  z
    .string()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`)
    .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces");

const identityHeader = z
  .string()
  .regex(identityHeaderPattern, "must be a custom header name starting with X- (letters, digits and -)")
  .refine(
    (name) => !reservedIdentityHeader(name),
    "must not be a header proxies act on (X-Forwarded-*, X-Real-IP, ...)",
  );

const oauthClientId = storableText(toolLimits.oauthClientIdMaxChars)
  .transform((s) => s.trim())
  .pipe(
    z
      .string()
      .min(1, "must not be empty")
      .regex(/^[\x21-\x7e]+$/, "must be printable ASCII"),
  );

const workspaceIds = z
  .array(z.string().regex(authIdPattern, "is not a workspace id"))
  .max(toolLimits.workspacesPerServer, `must list at most ${toolLimits.workspacesPerServer} workspaces`)
  .refine((ids) => new Set(ids).size === ids.length, "must not list a workspace twice");

const fields = {
  name: serverName,
  description: description.optional(),
  url,
  auth: z.enum(serverAuthModes),
  sharedToken: secretText(toolLimits.tokenMaxChars).optional(),
  identityHeader: identityHeader.nullable().optional(),
  oauthClientId: oauthClientId.nullable().optional(),
  oauthClientSecret: secretText(toolLimits.oauthClientSecretMaxChars).nullable().optional(),
  audience: z.enum(serverAudiences).optional(),
  workspaceIds: workspaceIds.optional(),
};

type Fields = {
  auth?: string;
  sharedToken?: string;
  identityHeader?: string | null;
  oauthClientId?: string | null;
  oauthClientSecret?: string | null;
};

/** Settings that belong to another kind of authentication are refused rather than kept unused. */
function authFieldsFit(value: Fields, context: z.RefinementCtx) {
  if (value.auth === undefined) return;
  const issue = (path: string, message: string) => context.addIssue({ code: "custom", path: [path], message });
  if (value.auth !== "shared") {
    if (value.sharedToken !== undefined) issue("sharedToken", "is only for shared authentication");
    if (value.identityHeader) issue("identityHeader", "is only for shared authentication");
  }
  if (value.auth !== "per_person") {
    if (value.oauthClientId) issue("oauthClientId", "is only for per-person authentication");
    if (value.oauthClientSecret) issue("oauthClientSecret", "is only for per-person authentication");
  }
  if (value.oauthClientSecret && !value.oauthClientId && value.auth === "per_person")
    issue("oauthClientSecret", "needs an OAuth client ID");
}

/** POST /api/admin/mcp-servers */
export const createServerBody = z.strictObject(fields).superRefine((value, context) => {
  authFieldsFit(value, context);
  if (value.auth === "shared" && value.sharedToken === undefined)
    context.addIssue({ code: "custom", path: ["sharedToken"], message: "is required for shared authentication" });
  if (value.audience === "workspaces" && !value.workspaceIds?.length)
    context.addIssue({ code: "custom", path: ["workspaceIds"], message: "must list at least one workspace" });
  if (value.audience !== "workspaces" && value.workspaceIds?.length)
    context.addIssue({ code: "custom", path: ["workspaceIds"], message: "is only for the audience workspaces" });
});

const toolChange = z.strictObject({
  name: z.string().min(1, "must not be empty").max(toolLimits.toolNameMaxChars),
  offered: z.boolean().optional(),
  policy: z.enum(toolPolicies).optional(),
});

/** PATCH /api/admin/mcp-servers/:id: any of the fields, whether it is enabled, and its tools' settings. */
export const updateServerBody = z
  .strictObject({
    name: serverName.optional(),
    description: description.optional(),
    url: url.optional(),
    auth: z.enum(serverAuthModes).optional(),
    sharedToken: fields.sharedToken,
    identityHeader: fields.identityHeader,
    oauthClientId: fields.oauthClientId,
    oauthClientSecret: fields.oauthClientSecret,
    audience: fields.audience,
    workspaceIds: fields.workspaceIds,
    enabled: z.boolean().optional(),
    tools: z
      .array(toolChange)
      .max(toolLimits.toolsPerPatch, `must list at most ${toolLimits.toolsPerPatch} tools`)
      .refine((tools) => new Set(tools.map((t) => t.name)).size === tools.length, "must not list a tool twice")
      .optional(),
  })
  .superRefine((value, context) => {
    authFieldsFit(value, context);
    if (Object.keys(value).length === 0) context.addIssue({ code: "custom", path: [], message: "changes nothing" });
  });

/** Servers are named by UUIDs; anything else cannot name one, so it is "not found", like a missing one. */
export function parseServerId(value: string | undefined): string {
  if (typeof value !== "string" || !z.uuid().safeParse(value).success) throw notFound("Server");
  return value.toLowerCase();
}

/**
 * The admin's address, checked before anything is saved: the guard's URL rules (https, or http on a
 * host in MCP_ALLOWED_HOSTS; no user info or fragment; no private IP literal), and a name that
 * resolves to a private, loopback or link-local address is refused now too (a 400, nothing saved),
 * not only when a connection is made. A name that does not resolve yet is let through: the server
 * is saved as failing, like one that does not answer.
 */
export async function vetServerUrl(raw: string): Promise<string> {
  const url = checkServerUrl(raw);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isIP(host) || isListedHost(url)) return raw;
  const addresses = await Promise.race([
    lookup(host, { all: true, verbatim: true }).catch(() => []),
    new Promise<[]>((resolve) => setTimeout(() => resolve([]), 3000).unref()),
  ]);
  if (addresses.some(({ address }) => !isPublicAddress(address)))
    throw new ApiError("bad_request", "The URL's host resolves to a private, loopback or reserved address.");
  return raw;
}

/** Where a tool server's sign-in sends the person back: the configured address of the app, else this request's. */
export const appOrigin = (request: Request) =>
  process.env.BETTER_AUTH_URL ? new URL(process.env.BETTER_AUTH_URL).origin : new URL(request.url).origin;
