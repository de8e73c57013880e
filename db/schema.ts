import { sql, type SQL } from "drizzle-orm";
import {
  type AnyPgColumn,
  bigint,
  boolean,
  check,
  customType,
  foreignKey,
  integer,
  index,
  jsonb,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

const createdAt = () => timestamp("created_at", { withTimezone: true }).defaultNow().notNull();
const updatedAt = () =>
  timestamp("updated_at", { withTimezone: true })
    .defaultNow()
    .$onUpdate(() => new Date())
    .notNull();

// better-auth 1.7 core tables, as its own generator lays them out (ids are better-auth's strings).
export const user = pgTable("user", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  email: text("email").notNull().unique(),
  emailVerified: boolean("email_verified").default(false).notNull(),
  image: text("image"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
  // Input + output tokens per month an admin allows this person; null: TOKEN_QUOTA_PER_MONTH.
  tokenQuota: bigint("token_quota", { mode: "number" }),
  // "pending" while an account made under SIGNUP_MODE=approval waits for an admin; null otherwise.
  approvalStatus: text("approval_status"),
  // better-auth's admin plugin: "admin" or "user"; a ban revokes every session and refuses sign-in.
  role: text("role"),
  banned: boolean("banned").default(false),
  banReason: text("ban_reason"),
  banExpires: timestamp("ban_expires", { withTimezone: true }),
  // better-auth's two-factor plugin: password sign-ins then ask for a code.
  twoFactorEnabled: boolean("two_factor_enabled").default(false),
});

export const session = pgTable(
  "session",
  {
    id: text("id").primaryKey(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    token: text("token").notNull().unique(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    ipAddress: text("ip_address"),
    userAgent: text("user_agent"),
    // The admin plugin's impersonation, which this app refuses (admins never act as someone else).
    impersonatedBy: text("impersonated_by"),
    // The organization plugin's active organization: the workspace this session is in (null:
    // the personal space). Membership is checked again on every request (lib/http/caller.ts).
    activeOrganizationId: text("active_workspace_id").references((): AnyPgColumn => workspace.id, {
      onDelete: "set null",
    }),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
  },
  (t) => [index("session_userId_idx").on(t.userId)],
);

// better-auth's two-factor plugin: the TOTP secret and backup codes (encrypted with the auth
// secret), and its own count of wrong codes per account.
export const twoFactor = pgTable(
  "two_factor",
  {
    id: text("id").primaryKey(),
    secret: text("secret").notNull(),
    backupCodes: text("backup_codes").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    verified: boolean("verified").default(true),
    failedVerificationCount: integer("failed_verification_count").default(0),
    lockedUntil: timestamp("locked_until", { withTimezone: true }),
    // This app's own: the newest TOTP time step (Unix time / 30 s) a code was accepted for, so a
    // code, or an older one, is never accepted twice (lib/auth/totp-replay.ts).
    lastTotpStep: bigint("last_totp_step", { mode: "number" }),
  },
  (t) => [index("two_factor_secret_idx").on(t.secret), index("two_factor_user_id_idx").on(t.userId)],
);

// @better-auth/passkey: one row per WebAuthn credential. lastUsedAt is this app's own (set when
// the passkey signs someone in); better-auth leaves it alone.
export const passkey = pgTable(
  "passkey",
  {
    id: text("id").primaryKey(),
    name: text("name"),
    publicKey: text("public_key").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    credentialID: text("credential_id").notNull(),
    counter: integer("counter").notNull(),
    deviceType: text("device_type").notNull(),
    backedUp: boolean("backed_up").notNull(),
    transports: text("transports"),
    createdAt: timestamp("created_at", { withTimezone: true }),
    aaguid: text("aaguid"),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
  },
  (t) => [index("passkey_user_id_idx").on(t.userId), uniqueIndex("passkey_credential_id_idx").on(t.credentialID)],
);

export const account = pgTable(
  "account",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull(),
    providerId: text("provider_id").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    accessToken: text("access_token"),
    refreshToken: text("refresh_token"),
    idToken: text("id_token"),
    accessTokenExpiresAt: timestamp("access_token_expires_at", { withTimezone: true }),
    refreshTokenExpiresAt: timestamp("refresh_token_expires_at", { withTimezone: true }),
    scope: text("scope"),
    password: text("password"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("account_userId_idx").on(t.userId)],
);

export const verification = pgTable(
  "verification",
  {
    id: text("id").primaryKey(),
    identifier: text("identifier").notNull(),
    value: text("value").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("verification_identifier_idx").on(t.identifier)],
);

// better-auth's rate-limit counters (rateLimit.storage = "database"): shared by every app instance.
export const rateLimit = pgTable("rate_limit", {
  id: text("id").primaryKey(),
  key: text("key").notNull().unique(),
  count: integer("count").notNull(),
  lastRequest: bigint("last_request", { mode: "number" }).notNull(),
});

// Settings an admin changes on /admin, winning over the environment until reset (a missing row:
// the environment's value). Today: "signup_mode".
export const instanceSetting = pgTable("instance_setting", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
  updatedBy: text("updated_by").references(() => user.id, { onDelete: "set null" }),
  updatedAt: timestamp("updated_at", { withTimezone: true }).defaultNow().notNull(),
});

// Invitations (SIGNUP_MODE=invite, or to skip approval): only a hash of the token is stored; the
// link is shown to the admin once.
export const invitation = pgTable(
  "invitation",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    tokenHash: text("token_hash").notNull().unique(),
    // Only this address may use it, when set.
    email: text("email"),
    maxUses: integer("max_uses").notNull(),
    uses: integer("uses").default(0).notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    createdBy: text("created_by").references(() => user.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [index("invitation_created_idx").on(t.createdAt)],
);

// Security events and admin actions: who did what to whom, from where. Never a password, token or
// message text (lib/admin/audit.ts). Pruned after AUDIT_RETENTION_DAYS.
export const auditEvent = pgTable(
  "audit_event",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    at: timestamp("at", { withTimezone: true, precision: 3 }).defaultNow().notNull(),
    action: text("action").notNull(),
    // Ids stay after an account is deleted (set null would lose who was who); emails are copied.
    actorId: text("actor_id"),
    actorEmail: text("actor_email"),
    targetId: text("target_id"),
    targetEmail: text("target_email"),
    outcome: text("outcome", { enum: ["success", "failure", "challenged"] }).notNull(),
    address: text("address"),
    userAgent: text("user_agent"),
    detail: jsonb("detail").$type<Record<string, string | number | boolean | null>>(),
    // The workspace an event belongs to: its owners and admins see the workspace's events. Kept
    // after the workspace is deleted, like the ids above.
    workspaceId: text("workspace_id"),
  },
  (t) => [
    index("audit_event_workspace_idx")
      .on(t.workspaceId, t.at, t.id)
      .where(sql`${t.workspaceId} is not null`),
    index("audit_event_at_idx").on(t.at, t.id),
    index("audit_event_actor_idx").on(t.actorId, t.at),
    index("audit_event_target_idx").on(t.targetId, t.at),
    index("audit_event_action_idx").on(t.action, t.at),
  ],
);

// Failed password sign-ins per email address, whatever client address they came from, so a
// guessing run against one account is stopped across every app instance. `device` is "" for
// unknown clients and a known device's id otherwise (see lib/auth/sign-in-lockout.ts).
export const signInFailure = pgTable(
  "sign_in_failure",
  {
    email: text("email").notNull(),
    device: text("device").notNull(),
    failures: integer("failures").notNull(),
    windowStart: timestamp("window_start", { withTimezone: true }).notNull(),
    lockedUntil: timestamp("locked_until", { withTimezone: true }),
    // When the row stops mattering (window and lock both over): expired rows are pruned by it.
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.email, t.device] }), index("sign_in_failure_expires_idx").on(t.expiresAt)],
);

// "tool_minute": MCP tool calls a person ran in the current minute (MCP_TOOL_CALLS_PER_MINUTE, lib/tools/limits.ts).
// "oauth_minute": tool sign-ins (OAuth) a person started in the current minute, whatever their outcome.
export const usageWindows = ["minute", "day", "tool_minute", "oauth_minute"] as const;

// Chat messages a user sent in the current minute and day, and tool calls they ran and tool
// sign-ins they started in the current minute: one row per user and window, reset in place when a
// new window starts, so the table never grows beyond four rows per user.
export const chatUsage = pgTable(
  "chat_usage",
  {
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    window: text("window", { enum: usageWindows }).notNull(),
    windowStart: timestamp("window_start", { withTimezone: true }).notNull(),
    count: integer("count").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.window] })],
);

/** Token counts of one reply, as the provider reported them. */
export type ReplyUsage = {
  inputTokens?: number;
  outputTokens?: number;
  reasoningTokens?: number;
  cachedInputTokens?: number;
  totalTokens?: number;
};

// What each user spent per calendar month (UTC) and model: a ledger, so deleting a thread does not
// give tokens back to a quota. One row per user, month and model, added to per reply.
export const usageMonth = pgTable(
  "usage_month",
  {
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    month: timestamp("month", { withTimezone: true }).notNull(),
    model: text("model").notNull(),
    messages: integer("messages").notNull(),
    inputTokens: bigint("input_tokens", { mode: "number" }).notNull(),
    outputTokens: bigint("output_tokens", { mode: "number" }).notNull(),
    reasoningTokens: bigint("reasoning_tokens", { mode: "number" }).notNull(),
    cachedInputTokens: bigint("cached_input_tokens", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.month, t.model] })],
);

// better-auth's organization plugin, whose organization is a workspace here (its models are
// renamed in auth.ts; property names stay the plugin's). Roles: owner, admin, member.
export const workspace = pgTable("workspace", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  slug: text("slug").notNull().unique(),
  logo: text("logo"),
  metadata: text("metadata"),
  createdAt: createdAt(),
  // Input + output tokens per month the workspace's members may spend in its threads, set by an owner; null: no limit.
  tokenQuota: bigint("token_quota", { mode: "number" }),
});

export const workspaceRoles = ["owner", "admin", "member"] as const;

export const workspaceMember = pgTable(
  "workspace_member",
  {
    id: text("id").primaryKey(),
    organizationId: text("workspace_id")
      .notNull()
      .references(() => workspace.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    role: text("role", { enum: workspaceRoles }).default("member").notNull(),
    createdAt: createdAt(),
  },
  // One membership per person and workspace, whatever races (two acceptances of one invitation).
  (t) => [
    uniqueIndex("workspace_member_unique").on(t.organizationId, t.userId),
    index("workspace_member_user_idx").on(t.userId),
  ],
);

// An invitation's id is the secret in its link (better-auth makes it: 32 random characters).
export const workspaceInvitation = pgTable(
  "workspace_invitation",
  {
    id: text("id").primaryKey(),
    organizationId: text("workspace_id")
      .notNull()
      .references(() => workspace.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    role: text("role", { enum: workspaceRoles }),
    // pending, accepted, rejected or canceled (revoked); expiry is read from expiresAt.
    status: text("status").default("pending").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    createdAt: createdAt(),
    inviterId: text("inviter_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
  },
  (t) => [
    index("workspace_invitation_workspace_idx").on(t.organizationId, t.createdAt),
    index("workspace_invitation_email_idx").on(t.email),
  ],
);

// What each member spent in a workspace's threads per calendar month (UTC): the workspace's quota
// and its owners' usage table read it. Written with the person's own ledger (lib/chat/usage.ts).
export const workspaceUsageMonth = pgTable(
  "workspace_usage_month",
  {
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspace.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    month: timestamp("month", { withTimezone: true }).notNull(),
    messages: integer("messages").notNull(),
    inputTokens: bigint("input_tokens", { mode: "number" }).notNull(),
    outputTokens: bigint("output_tokens", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.month, t.userId] })],
);

export const threadStatuses = ["regular", "archived"] as const;

// Millisecond precision: the list's keyset cursor carries updated_at through JavaScript Dates,
// which would silently drop PostgreSQL's microseconds and skip or repeat rows between pages.
const threadTime = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

export const thread = pgTable(
  "thread",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    title: text("title"),
    status: text("status", { enum: threadStatuses }).default("regular").notNull(),
    createdAt: threadTime("created_at").defaultNow().notNull(),
    updatedAt: threadTime("updated_at")
      .defaultNow()
      .$onUpdate(() => new Date())
      .notNull(),
    lastMessageAt: threadTime("last_message_at"),
    // The model chosen for this thread (one of OPENAI_MODELS); null: the default.
    model: text("model"),
    // The workspace it was started in (null: the author's personal space). Deleting the workspace
    // moves its threads to their authors' personal spaces (and unshares them: lib/workspaces).
    workspaceId: text("workspace_id").references(() => workspace.id, { onDelete: "set null" }),
    // Set while its author shares it with the workspace's members (read-only for them).
    sharedAt: threadTime("shared_at"),
    // The project it belongs to (always one of its own space); deleting the project keeps the thread.
    projectId: uuid("project_id").references((): AnyPgColumn => project.id, { onDelete: "set null" }),
    // When its author pinned it to the top of their list (null: not pinned). Only an active
    // thread is pinned: archiving unpins it. At most MAX_PINNED_THREADS per author and space.
    pinnedAt: threadTime("pinned_at"),
    // The conversation import that wrote it (lib/import), null for threads made here. An import
    // that fails, or whose instance died, is undone by deleting the threads carrying its id.
    importId: uuid("import_id"),
  },
  (t) => [
    // The sidebar query: one user's threads in one space and of one status, newest activity
    // first, keyset by id (`workspace_id is null` for the personal space uses it too).
    // Ascending on purpose: `order by updated_at desc, id desc` is this index scanned backward.
    // (A DESC index gets DESC NULLS LAST from drizzle, which that ORDER BY cannot use.)
    index("thread_user_space_status_updated_idx").on(t.userId, t.workspaceId, t.status, t.updatedAt, t.id),
    // The "Shared" section: a workspace's shared threads, newest activity first.
    index("thread_workspace_shared_idx")
      .on(t.workspaceId, t.status, t.updatedAt, t.id)
      .where(sql`${t.sharedAt} is not null`),
    // A project's threads, newest activity first.
    index("thread_project_updated_idx")
      .on(t.projectId, t.updatedAt, t.id)
      .where(sql`${t.projectId} is not null`),
    // The "Pinned" section: one user's pinned threads in one space, newest pin first (scanned
    // backward, as above); also what the pin limit counts.
    index("thread_user_space_pinned_idx")
      .on(t.userId, t.workspaceId, t.pinnedAt, t.id)
      .where(sql`${t.pinnedAt} is not null`),
    // Search by title ('simple': no language-specific stemming, so any language works).
    index("thread_title_search_idx").using("gin", sql`to_tsvector('simple', coalesce(${t.title}, ''))`),
  ],
);

/** The text of a stored message as a search vector; the search query must use the same expression. */
export const messageSearchVector = (content: AnyPgColumn | SQL) =>
  sql`to_tsvector('simple', jsonb_path_query_array(${content}, '$.parts[*] ? (@.type == "text").text'))`;

// "incomplete": the model stopped early (Stop, cut stream); "error": it failed mid-answer.
export const messageStatuses = ["complete", "incomplete", "error"] as const;

// Message ids come from the client (AI SDK ids), so they are only unique within a thread:
// a client can never collide with, or overwrite, a message in someone else's thread.
export const message = pgTable(
  "message",
  {
    threadId: uuid("thread_id")
      .notNull()
      .references(() => thread.id, { onDelete: "cascade" }),
    id: text("id").notNull(),
    parentId: text("parent_id"),
    role: text("role", { enum: ["user", "assistant", "system"] }).notNull(),
    format: text("format").notNull(),
    content: jsonb("content").notNull(),
    status: text("status", { enum: messageStatuses }).default("complete").notNull(),
    // clock_timestamp(), not now(): messages written in one transaction still sort parent first.
    createdAt: timestamp("created_at", { withTimezone: true })
      .default(sql`clock_timestamp()`)
      .notNull(),
    // A reply's model and its token usage as the provider reported it (lib/chat/usage.ts); a count the
    // provider did not send is absent from `usage`, never 0.
    model: text("model"),
    usage: jsonb("usage").$type<ReplyUsage>(),
  },
  (t) => [
    primaryKey({ columns: [t.threadId, t.id] }),
    index("message_thread_created_idx").on(t.threadId, t.createdAt),
    // Search by message text: the text parts only, not part types or metadata.
    index("message_text_search_idx").using("gin", messageSearchVector(t.content)),
  ],
);

// A reply while the model writes it: its stream, recorded in order, so a reload, another tab or
// another app instance can replay it from the start and follow it live. Removed shortly after
// the reply ends (lib/chat/reply-streams.ts), so these tables only hold what is in flight.
export const replyStream = pgTable(
  "reply_stream",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    threadId: uuid("thread_id")
      .notNull()
      .references(() => thread.id, { onDelete: "cascade" }),
    // The assistant message being written, and the user message it answers.
    replyId: text("reply_id").notNull(),
    parentId: text("parent_id").notNull(),
    done: boolean("done").default(false).notNull(),
    stopRequested: boolean("stop_requested").default(false).notNull(),
    createdAt: createdAt(),
    // Moved on with every recorded batch: a reply that stops moving was lost with its instance.
    updatedAt: timestamp("updated_at", { withTimezone: true }).defaultNow().notNull(),
  },
  (t) => [
    index("reply_stream_thread_idx").on(t.threadId, t.createdAt),
    index("reply_stream_updated_idx").on(t.updatedAt),
  ],
);

export const replyStreamChunk = pgTable(
  "reply_stream_chunk",
  {
    streamId: uuid("stream_id")
      .notNull()
      .references(() => replyStream.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    // Server-sent events text of the AI SDK UI message stream, as sent to the browser.
    data: text("data").notNull(),
  },
  (t) => [primaryKey({ columns: [t.streamId, t.seq] })],
);

// A file a user uploaded to send with a message. Its bytes live in the storage ATTACHMENT_STORAGE
// names (lib/attachments/storage.ts) under "<user id>/<attachment id>", never under its name.
// `storedAt` is set once the bytes are stored: a row without it is an upload that never finished
// and is removed with the orphans. Once sent, the row belongs to its message, and goes with it
// (thread deleted → messages → attachments); an upload never sent is an orphan after
// ATTACHMENT_ORPHAN_HOURS.
export const attachment = pgTable(
  "attachment",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    threadId: uuid("thread_id"),
    messageId: text("message_id"),
    // The uploaded name, cleaned (no path, no control characters), for showing and downloads.
    name: text("name").notNull(),
    // Decided from the bytes (lib/attachments/types.ts), never from the name or the declared type.
    mediaType: text("media_type").notNull(),
    size: integer("size").notNull(),
    // A PDF's text, for models that take no PDF files (Chat Completions).
    text: text("text"),
    storedAt: timestamp("stored_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    foreignKey({ columns: [t.threadId, t.messageId], foreignColumns: [message.threadId, message.id] }).onDelete(
      "cascade",
    ),
    index("attachment_message_idx").on(t.threadId, t.messageId),
    index("attachment_user_idx").on(t.userId),
    // The orphan sweep: unsent uploads, oldest first.
    index("attachment_unsent_idx")
      .on(t.createdAt)
      .where(sql`${t.messageId} is null`),
  ],
);

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => "bytea" });

// The bytes of an attachment when ATTACHMENT_STORAGE=database (the default).
export const attachmentBlob = pgTable("attachment_blob", {
  attachmentId: uuid("attachment_id")
    .primaryKey()
    .references(() => attachment.id, { onDelete: "cascade" }),
  data: bytea("data").notNull(),
});

export const shareAudiences = ["signed-in", "workspace", "anyone"] as const;

// A link to a snapshot of one thread's current branch (lib/sharing/share-links.ts). The snapshot
// lives in its own rows (share_link_message, share_file), apart from the thread: opening a link
// never reads the live thread's messages or attachments. `token` is the secret in the address:
// 32 random bytes, kept as is so the owner can copy the link again (the snapshot it guards is in
// this same database, so a hash of it would protect nothing more). A new share after a delete
// is a new row with a new token; updating the snapshot keeps the row and its token.
export const shareLink = pgTable(
  "share_link",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    token: text("token").notNull(),
    threadId: uuid("thread_id")
      .notNull()
      .references(() => thread.id, { onDelete: "cascade" }),
    // The thread's author, who alone manages the link; their account going takes it along.
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    audience: text("audience", { enum: shareAudiences }).default("signed-in").notNull(),
    // The thread's title when the snapshot was taken.
    title: text("title"),
    messages: integer("messages").notNull(),
    // Pages of the snapshot (share_link_message.page runs from 1 to this).
    pages: integer("pages").notNull(),
    // Times a snapshot was shown; nothing about who looked is kept.
    views: integer("views").default(0).notNull(),
    createdAt: threadTime("created_at").defaultNow().notNull(),
    // When the current snapshot was taken.
    updatedAt: threadTime("updated_at").defaultNow().notNull(),
  },
  (t) => [
    uniqueIndex("share_link_token_idx").on(t.token),
    // One link per thread, whatever races (two shares of one thread at once).
    uniqueIndex("share_link_thread_idx").on(t.threadId),
    // /account's list: one person's links, newest snapshot first.
    index("share_link_user_updated_idx").on(t.userId, t.updatedAt),
  ],
);

// The snapshot's messages, root first (`seq`). `id` is the message's id in the thread, so a
// continued copy keeps the chain; `content` holds only text, reasoning and file parts, the file
// parts naming the snapshot's own files ("share-file:<share_file id>"). `page` is assigned when
// the snapshot is written (lib/sharing/share-links.ts `paginate`), so rendering one page of the
// share view reads a bounded range of the primary key, whatever the snapshot's length.
export const shareLinkMessage = pgTable(
  "share_link_message",
  {
    linkId: uuid("link_id")
      .notNull()
      .references(() => shareLink.id, { onDelete: "cascade" }),
    page: integer("page").notNull(),
    seq: integer("seq").notNull(),
    id: text("id").notNull(),
    role: text("role", { enum: ["user", "assistant", "system"] }).notNull(),
    content: jsonb("content").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
  },
  // Pages rise with `seq`, so this key orders a whole snapshot as (link_id, seq) would.
  (t) => [primaryKey({ columns: [t.linkId, t.page, t.seq] })],
);

// A snapshot's copy of an attachment: it belongs to the link (deleting or updating the link
// removes it), never to the thread, so the thread's own files stay owner-only. Its bytes are
// stored like an attachment's under "<author id>/<share file id>" (removed with the account),
// or in share_file_blob when ATTACHMENT_STORAGE=database.
export const shareFile = pgTable(
  "share_file",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    linkId: uuid("link_id")
      .notNull()
      .references(() => shareLink.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    mediaType: text("media_type").notNull(),
    size: integer("size").notNull(),
    // A PDF's text, carried into a continued copy's attachment.
    text: text("text"),
    createdAt: createdAt(),
  },
  (t) => [index("share_file_link_idx").on(t.linkId)],
);

export const shareFileBlob = pgTable("share_file_blob", {
  shareFileId: uuid("share_file_id")
    .primaryKey()
    .references(() => shareFile.id, { onDelete: "cascade" }),
  data: bytea("data").notNull(),
});

// Requests under /s/ per client address in the current minute (SHARE_VIEW_RATE_LIMIT_PER_MINUTE),
// reset in place when a new minute starts; rows of past minutes are pruned by `window_start`.
export const shareViewUsage = pgTable(
  "share_view_usage",
  {
    address: text("address").primaryKey(),
    windowStart: timestamp("window_start", { withTimezone: true }).notNull(),
    count: integer("count").notNull(),
  },
  (t) => [index("share_view_usage_window_idx").on(t.windowStart)],
);

// MCP servers an instance admin connected (lib/tools/catalog.ts). Streamable HTTP only: a URL,
// never a command. Secrets (shared token, OAuth client secret, a dynamic client registration)
// are stored encrypted (lib/tools/credentials.ts: "v1.<key id>.<iv>.<tag>.<ciphertext>") and
// never leave the server. Who may use it: everyone, or the members of the listed workspaces.
export const mcpServerAuths = ["none", "shared", "per_person"] as const;
export const mcpServerAudiences = ["everyone", "workspaces"] as const;
export const mcpServerStatuses = ["unknown", "ok", "failing"] as const;
export const mcpToolPolicies = ["ask", "allow", "never"] as const;

/**
 * An MCP server's authorization server as discovered at the first sign-in (RFC 9728 protected
 * resource metadata, then RFC 8414 metadata) and pinned: finishing and refreshing a sign-in use
 * these endpoints and never ask the MCP server again (lib/tools/oauth.ts). Not secret.
 */
export type McpOAuthMetadata = {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  registrationEndpoint?: string;
  authMethods?: string[];
  /** RFC 8707 resource indicator: the MCP server the token is for. */
  resource: string;
  scope?: string;
};

/** What a sign-in in progress finishes with, exactly as it started. */
export type McpOAuthFlowData = { metadata: McpOAuthMetadata; redirectUri: string; clientId: string };

export const mcpServer = pgTable(
  "mcp_server",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull().unique(),
    description: text("description").default("").notNull(),
    url: text("url").notNull(),
    auth: text("auth", { enum: mcpServerAuths }).notNull(),
    sharedToken: text("shared_token"),
    // With a shared token: the header that tells the server who the person is (their user id).
    identityHeader: text("identity_header"),
    oauthClientId: text("oauth_client_id"),
    oauthClientSecret: text("oauth_client_secret"),
    // A dynamic client registration's result (JSON), made once per server.
    oauthClientInfo: text("oauth_client_info"),
    // The authorization server pinned at the first sign-in (cleared when the address or
    // authentication changes, or when an admin saves the address again to accept a new one).
    oauthIssuer: text("oauth_issuer"),
    oauthMetadata: jsonb("oauth_metadata").$type<McpOAuthMetadata>(),
    audience: text("audience", { enum: mcpServerAudiences }).default("everyone").notNull(),
    enabled: boolean("enabled").default(true).notNull(),
    status: text("status", { enum: mcpServerStatuses }).default("unknown").notNull(),
    statusMessage: text("status_message"),
    checkedAt: timestamp("checked_at", { withTimezone: true }),
    createdBy: text("created_by").references(() => user.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    check("mcp_server_name_length", sql`char_length(${t.name}) between 1 and 80`),
    check("mcp_server_description_length", sql`char_length(${t.description}) <= 500`),
    check("mcp_server_url_length", sql`char_length(${t.url}) between 1 and 2000`),
    check("mcp_server_auth", sql`${t.auth} in ('none', 'shared', 'per_person')`),
    check("mcp_server_audience", sql`${t.audience} in ('everyone', 'workspaces')`),
    check("mcp_server_status", sql`${t.status} in ('unknown', 'ok', 'failing')`),
    check(
      "mcp_server_identity_header",
      // A custom "X-" header (never one HTTP, a proxy or MCP acts on): see identityHeaderRule in lib/tools/catalog.ts.
      sql`${t.identityHeader} is null or (${t.identityHeader} ~ '^[Xx]-[A-Za-z0-9][A-Za-z0-9-]{0,61}$' and lower(${t.identityHeader}) !~ '^x-(forwarded-|real-ip$|client-ip$|http-method|method-override$|original-|rewrite-url$)')`,
    ),
  ],
);

// The workspaces whose members may use a server with audience "workspaces".
export const mcpServerWorkspace = pgTable(
  "mcp_server_workspace",
  {
    serverId: uuid("server_id")
      .notNull()
      .references(() => mcpServer.id, { onDelete: "cascade" }),
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspace.id, { onDelete: "cascade" }),
  },
  (t) => [
    primaryKey({ columns: [t.serverId, t.workspaceId] }),
    index("mcp_server_workspace_workspace_idx").on(t.workspaceId),
  ],
);

// A server's tools as the admin's last "Refresh tools" listed them: the model only ever sees this
// stored definition, so a server cannot swap a tool behind the operator's back. `offered` and
// `policy` are the admin's choices.
export const mcpTool = pgTable(
  "mcp_tool",
  {
    serverId: uuid("server_id")
      .notNull()
      .references(() => mcpServer.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    title: text("title"),
    description: text("description").default("").notNull(),
    inputSchema: jsonb("input_schema").$type<Record<string, unknown>>().notNull(),
    offered: boolean("offered").default(false).notNull(),
    policy: text("policy", { enum: mcpToolPolicies }).default("ask").notNull(),
    listedAt: timestamp("listed_at", { withTimezone: true }).defaultNow().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.serverId, t.name] }),
    check("mcp_tool_name_length", sql`char_length(${t.name}) between 1 and 200`),
    check("mcp_tool_description_length", sql`char_length(${t.description}) <= 2000`),
    check("mcp_tool_schema_size", sql`octet_length(${t.inputSchema}::text) <= 65536`),
    check("mcp_tool_policy", sql`${t.policy} in ('ask', 'allow', 'never')`),
  ],
);

// A person's own credential for a per-person server: a pasted token or an OAuth sign-in.
// `secret` is encrypted JSON { accessToken, refreshToken?, expiresAt? }. Goes with the account.
export const mcpCredential = pgTable(
  "mcp_credential",
  {
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    serverId: uuid("server_id")
      .notNull()
      .references(() => mcpServer.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ["token", "oauth"] }).notNull(),
    secret: text("secret").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.serverId] }),
    index("mcp_credential_server_idx").on(t.serverId),
    check("mcp_credential_kind", sql`${t.kind} in ('token', 'oauth')`),
  ],
);

// An OAuth sign-in in progress: `state` is 32 random bytes (base64url), the PKCE verifier is
// encrypted, `metadata` is the authorization server, redirect URI and client it started with.
// Valid ten minutes, used once (deleted when the callback reads it); at most five per person.
export const mcpOauthFlow = pgTable(
  "mcp_oauth_flow",
  {
    state: text("state").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    serverId: uuid("server_id")
      .notNull()
      .references(() => mcpServer.id, { onDelete: "cascade" }),
    codeVerifier: text("code_verifier").notNull(),
    metadata: jsonb("metadata").$type<McpOAuthFlowData>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index("mcp_oauth_flow_created_idx").on(t.createdAt),
    index("mcp_oauth_flow_user_idx").on(t.userId, t.createdAt),
    index("mcp_oauth_flow_server_idx").on(t.serverId),
  ],
);

// The tools a person switched on in one of their threads, and "Always allow this tool in this thread".
export const threadTool = pgTable(
  "thread_tool",
  {
    threadId: uuid("thread_id")
      .notNull()
      .references(() => thread.id, { onDelete: "cascade" }),
    serverId: uuid("server_id")
      .notNull()
      .references(() => mcpServer.id, { onDelete: "cascade" }),
    toolName: text("tool_name").notNull(),
    userId: text("user_id").notNull(),
    enabled: boolean("enabled").notNull(),
    alwaysAllow: boolean("always_allow").default(false).notNull(),
  },
  (t) => [primaryKey({ columns: [t.threadId, t.serverId, t.toolName] })],
);

// A tool call of a reply in progress that waits for the person's answer (lib/tools/approvals.ts):
// the turn writes it, POST /api/threads/:id/tool-calls/:toolCallId decides it (announced with
// NOTIFY), the turn removes it once it has its answer. Never the call's arguments.
export const toolCallStatuses = ["awaiting", "approved", "denied"] as const;

export const toolCall = pgTable(
  "tool_call",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: text("user_id").notNull(),
    threadId: uuid("thread_id")
      .notNull()
      .references(() => thread.id, { onDelete: "cascade" }),
    // The reply stream (reply_stream.id) of the turn that waits.
    streamId: uuid("stream_id").notNull(),
    // The model's id for the call.
    toolCallId: text("tool_call_id").notNull(),
    serverId: uuid("server_id").notNull(),
    toolName: text("tool_name").notNull(),
    status: text("status", { enum: toolCallStatuses }).default("awaiting").notNull(),
    createdAt: createdAt(),
    decidedAt: timestamp("decided_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("tool_call_thread_call_idx").on(t.threadId, t.toolCallId),
    index("tool_call_created_idx").on(t.createdAt),
    check("tool_call_status", sql`${t.status} in ('awaiting', 'approved', 'denied')`),
  ],
);

// Projects (lib/projects/): instructions and files a set of threads share. A personal project
// (`workspace_id` null) is its creator's alone; a workspace's is used by every member and edited
// by its creator and the workspace's owners and admins.
export const project = pgTable(
  "project",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    // The creator; their account going takes their projects along (personal and workspace ones).
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    workspaceId: text("workspace_id").references(() => workspace.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    // The system prompt every thread of the project starts from (MAX_INSTRUCTIONS_CHARS).
    instructions: text("instructions").default("").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("project_user_space_idx").on(t.userId, t.workspaceId),
    index("project_workspace_idx").on(t.workspaceId),
  ],
);

export const projectFileStatuses = ["queued", "indexing", "indexed", "failed"] as const;

// A file of a project: its bytes in project_file_blob, its text in project_chunk once indexed.
export const projectFile = pgTable(
  "project_file",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => project.id, { onDelete: "cascade" }),
    // Who uploaded it (kept as null when their account goes: the file is the project's).
    userId: text("user_id").references(() => user.id, { onDelete: "set null" }),
    // Cleaned like an attachment's name (lib/attachments/types.ts cleanFileName).
    name: text("name").notNull(),
    // Decided from the bytes, never from the name or the declared type.
    mediaType: text("media_type").notNull(),
    size: integer("size").notNull(),
    status: text("status", { enum: projectFileStatuses }).default("queued").notNull(),
    // Why indexing failed, in words a person can act on.
    error: text("error"),
    // Passages (chunks) it was split into.
    chunks: integer("chunks").default(0).notNull(),
    createdAt: createdAt(),
    indexedAt: timestamp("indexed_at", { withTimezone: true }),
  },
  (t) => [
    index("project_file_project_idx").on(t.projectId, t.createdAt),
    check("project_file_status", sql`${t.status} in ('queued', 'indexing', 'indexed', 'failed')`),
  ],
);

export const projectFileBlob = pgTable("project_file_blob", {
  fileId: uuid("file_id")
    .primaryKey()
    .references(() => projectFile.id, { onDelete: "cascade" }),
  data: bytea("data").notNull(),
});

const tsvector = customType<{ data: string; driverData: string }>({ dataType: () => "tsvector" });

// A passage of a file's text: what retrieval ranks and the model reads. `search` is
// to_tsvector('english', text), written with the row; `embedding` is set only when
// OPENAI_EMBEDDING_MODEL is configured (a plain array: neither engine here has a vector type).
export const projectChunk = pgTable(
  "project_chunk",
  {
    fileId: uuid("file_id")
      .notNull()
      .references(() => projectFile.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => project.id, { onDelete: "cascade" }),
    text: text("text").notNull(),
    // Where the passage starts in the file's text (characters).
    start: integer("start").notNull(),
    search: tsvector("search").notNull(),
    embedding: real("embedding").array(),
    // The model that made `embedding`: another model's vectors are not compared with the query's.
    embeddingModel: text("embedding_model"),
  },
  (t) => [
    primaryKey({ columns: [t.fileId, t.seq] }),
    index("project_chunk_project_idx").on(t.projectId),
    index("project_chunk_search_idx").using("gin", t.search),
  ],
);

// Indexing work, one row per file waiting: any instance claims the next with FOR UPDATE SKIP
// LOCKED and holds it for a lease (`lockedUntil`), so a job whose instance died is taken again.
export const projectIndexJob = pgTable(
  "project_index_job",
  {
    fileId: uuid("file_id")
      .primaryKey()
      .references(() => projectFile.id, { onDelete: "cascade" }),
    attempts: integer("attempts").default(0).notNull(),
    runAfter: timestamp("run_after", { withTimezone: true }).defaultNow().notNull(),
    lockedUntil: timestamp("locked_until", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index("project_index_job_run_after_idx").on(t.runAfter)],
);

// What the model should know about a person ("personal instructions" on /account): the first
// system instructions of every thread of theirs, before a project's.
export const userInstructions = pgTable("user_instructions", {
  userId: text("user_id")
    .primaryKey()
    .references(() => user.id, { onDelete: "cascade" }),
  instructions: text("instructions").notNull(),
  updatedAt: updatedAt(),
});

// An import of conversations from another app that is running (lib/import): at most one per
// person, on any instance. Removed when it ends; a row whose heartbeat stopped is an import whose
// instance died, and the next import of that person deletes what it wrote before starting.
export const conversationImport = pgTable("conversation_import", {
  id: uuid("id").primaryKey().defaultRandom(),
  userId: text("user_id")
    .notNull()
    .unique()
    .references(() => user.id, { onDelete: "cascade" }),
  startedAt: timestamp("started_at", { withTimezone: true }).defaultNow().notNull(),
  heartbeatAt: timestamp("heartbeat_at", { withTimezone: true }).defaultNow().notNull(),
});

export type User = typeof user.$inferSelect;
export type Thread = typeof thread.$inferSelect;
export type ThreadStatus = (typeof threadStatuses)[number];
export type Message = typeof message.$inferSelect;
export type Attachment = typeof attachment.$inferSelect;
export type Workspace = typeof workspace.$inferSelect;
export type WorkspaceRole = (typeof workspaceRoles)[number];
export type ShareLink = typeof shareLink.$inferSelect;
export type Project = typeof project.$inferSelect;
export type ProjectFile = typeof projectFile.$inferSelect;
export type ProjectFileStatus = (typeof projectFileStatuses)[number];
export type McpServer = typeof mcpServer.$inferSelect;
export type McpTool = typeof mcpTool.$inferSelect;
export type McpServerAuth = (typeof mcpServerAuths)[number];
export type McpServerAudience = (typeof mcpServerAudiences)[number];
export type McpServerStatus = (typeof mcpServerStatuses)[number];
export type McpToolPolicy = (typeof mcpToolPolicies)[number];
