import "server-only";
import { z } from "zod";
import { getModel } from "@/lib/chat/models";
import { ApiError, notFound } from "@/lib/http/errors";
import { limits } from "@/lib/http/limits";
import { readLimitedBody } from "@/lib/http/request-body";
import { workspaceNameMaxChars } from "@/lib/shared/workspaces";

/**
 * Reads a JSON request body: JSON content type (415), at most `maxBodyBytes` (413), valid JSON
 * (400) and matching `schema` (400, naming the first problem).
 */
export async function readJsonBody<Schema extends z.ZodType>(
  request: Request,
  schema: Schema,
): Promise<z.infer<Schema>> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) {
    throw new ApiError("unsupported_media_type", "Send the body as JSON (Content-Type: application/json).");
  }
  const text = new TextDecoder("utf-8", { fatal: false }).decode(await readLimitedBody(request));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ApiError("bad_request", "The body is not valid JSON.");
  }
  return parseOrThrow(schema, json);
}

export function parseOrThrow<Schema extends z.ZodType>(schema: Schema, value: unknown): z.infer<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue.path.length ? `${issue.path.join(".")}: ` : "";
  throw new ApiError("bad_request", `Invalid request: ${where}${issue.message}`);
}

/** Text that PostgreSQL can store and people can read: no NUL, no lone UTF-16 surrogates. */
export const storableText = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !s.includes("\u0000"), "must not contain NUL characters")
    .refine((s) => s.isWellFormed(), "must be valid Unicode");

export const titleSchema = storableText(limits.maxTitleChars)
  .transform((s) => s.trim())
  .pipe(z.string().min(1, "must not be empty"));

/** Thread, attachment and share link ids are UUIDs; anything else cannot name one, so it is "not found", like a missing one. */
export function parseId(value: string, what: "Thread" | "Attachment" | "Link" | "File" | "Project"): string {
  if (!z.uuid().safeParse(value).success) throw notFound(what);
  return value.toLowerCase();
}

export const parseThreadId = (value: string) => parseId(value, "Thread");
export const parseLinkId = (value: string) => parseId(value, "Link");
export const parseProjectId = (value: string) => parseId(value, "Project");

/** A passage's number in its file (0, 1, …): anything else names no passage, a 404 like a missing one. */
export function parsePassageSeq(value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw notFound("Passage");
  return Number(value);
}

/** better-auth's ids (workspaces, members, invitations): letters, digits, `_` and `-`. */
export const authIdPattern = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A workspace, member or invitation id from an address: anything that cannot be one is "not
 * found", the same answer as for one that does not exist (or that the caller cannot see).
 */
export function parseAuthId(
  value: string | undefined,
  what: "Workspace" | "Member" | "Invitation",
  pattern: RegExp = authIdPattern,
): string {
  if (typeof value !== "string" || !pattern.test(value)) throw notFound(what);
  return value;
}

/** Characters that would make a name lie about itself on screen: control characters and bidirectional overrides. */
const deceptiveCharacters = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/u;

/** A workspace's name: 1–80 characters once trimmed, none of them a control character. */
export const workspaceNameSchema = storableText(workspaceNameMaxChars)
  .transform((s) => s.trim())
  .pipe(
    z
      .string()
      .min(1, "must not be empty")
      .refine((s) => !deceptiveCharacters.test(s), "must not contain control characters"),
  );

/** A workspace id from an address (a malformed one is "Workspace not found."). */
export const parseWorkspaceId = (value: string | undefined): string => parseAuthId(value, "Workspace");

/** Query parameters as an object; a repeated parameter is ambiguous, so it is a 400, not "last one wins". */
export function queryParams(request: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of new URL(request.url).searchParams) {
    if (Object.hasOwn(out, key)) throw new ApiError("bad_request", `Invalid request: ${key}: given more than once`);
    out[key] = value;
  }
  return out;
}

/** A page cursor this API handed out (`decode` knows it); anything else is a 400 naming the parameter. */
export const cursorParam = (decode: (value: string) => unknown, maxChars: number) =>
  z
    .string()
    .max(maxChars)
    .refine((value) => decode(value) !== undefined, "not a cursor from this API");

/** A model id people may choose (OPENAI_MODELS); anything else is a 400, never passed on. */
export const offeredModel = z
  .string()
  .refine((id) => getModel().offered.includes(id), "is not one of the offered models");
