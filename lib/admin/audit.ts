import "server-only";
import { logger } from "@/lib/observability/logger";
import { and, eq, ilike, or, sql, type SQL } from "drizzle-orm";
import { db as defaultDb } from "@/lib/db/database";
import type { AppDatabase } from "@/db/connect";
import { auditEvent, user, workspace, workspaceMember } from "@/db/schema";
import { clientAddressOf } from "@/lib/http/client-address";
import { decodeKeysetCursor, keyset, uuidPattern } from "@/lib/db/keyset-cursor";
import { positiveIntFromEnv, type Env } from "@/lib/config/env";
import { auditActions, type AuditAction, type AuditRow } from "@/lib/shared/admin";
import type { WorkspaceAuditRow } from "@/lib/shared/workspace-admin";

// The actions live in lib/shared/ (the admin page's filter lists them); routes validate a filter against this same list.
export { auditActions };

export type AuditInput = {
  action: AuditAction;
  outcome?: "success" | "failure" | "challenged";
  actor?: { id?: string | null; email?: string | null } | null;
  target?: { id?: string | null; email?: string | null } | null;
  address?: string | null;
  userAgent?: string | null;
  /** Plain facts (a role, a mode, a reason): never a password, token or message text. */
  detail?: Record<string, string | number | boolean | null>;
  /** The workspace the event belongs to: its owners and admins see it too. */
  workspaceId?: string | null;
};

/** A page cursor from the audit log, or undefined for anything else. */
export const decodeAuditCursor = (value: string | undefined) => decodeKeysetCursor(value, uuidPattern);

const newestFirst = keyset(auditEvent.at, auditEvent.id);

/** The audit log: one row per security event or admin action; rows older than AUDIT_RETENTION_DAYS go. */
export function createAudit(
  db: AppDatabase = defaultDb,
  retentionDays = positiveIntFromEnv(process.env as Env, "AUDIT_RETENTION_DAYS", 365),
) {
  let lastPrune = 0;
  const columns = {
    id: auditEvent.id,
    at: auditEvent.at,
    action: auditEvent.action,
    outcome: auditEvent.outcome,
    actorEmail: auditEvent.actorEmail,
    targetEmail: auditEvent.targetEmail,
    address: auditEvent.address,
    userAgent: auditEvent.userAgent,
    detail: auditEvent.detail,
    // The name while the workspace exists (a deleted one's event names it in its detail).
    workspace: workspace.name,
  };
  const page = async (where: SQL | undefined, after: string | undefined, limit: number) => {
    const cursor = decodeAuditCursor(after);
    // Through a Date, so the database reads the instant Date.parse accepted (PostgreSQL reads some strings otherwise, or not at all); `at` keeps milliseconds.
    const position = cursor && { at: new Date(cursor.at).toISOString(), id: cursor.id };
    const rows = await db
      .select(columns)
      .from(auditEvent)
      .leftJoin(workspace, eq(workspace.id, auditEvent.workspaceId))
      .where(and(where, newestFirst.after(position)))
      .orderBy(...newestFirst.orderBy)
      .limit(newestFirst.limit(limit));
    const paged = newestFirst.page(rows, limit, (r) => ({ at: r.at.toISOString(), id: r.id }));
    const events: AuditRow[] = paged.rows.map((r) => ({ ...r, at: r.at.toISOString() }));
    return { events, nextCursor: paged.nextCursor };
  };

  return {
    /** Best effort: a failure to audit is logged, never turned into a failure of what was audited. */
    async record(event: AuditInput): Promise<void> {
      try {
        await db.insert(auditEvent).values({
          action: event.action,
          outcome: event.outcome ?? "success",
          actorId: event.actor?.id ?? null,
          actorEmail: event.actor?.email?.toLowerCase().slice(0, 320) ?? null,
          targetId: event.target?.id ?? null,
          targetEmail: event.target?.email?.toLowerCase().slice(0, 320) ?? null,
          address: event.address ?? null,
          userAgent: event.userAgent?.slice(0, 500) ?? null,
          detail: event.detail ?? null,
          workspaceId: event.workspaceId ?? null,
        });
        if (Date.now() - lastPrune > 3_600_000) {
          lastPrune = Date.now();
          await db.delete(auditEvent).where(sql`${auditEvent.at} < now() - make_interval(days => ${retentionDays})`);
        }
      } catch (error) {
        logger.error({ err: error, action: event.action }, "audit: could not record");
      }
    },

    /** For /admin: newest first, 50 a page, by action, actor email (part of) and time range. */
    listForAdmin(filters: { action?: string; actor?: string; since?: string; until?: string; after?: string }) {
      const since = filters.since && !Number.isNaN(Date.parse(filters.since)) ? new Date(filters.since) : undefined;
      // A date alone ("2026-11-23") means up to the end of that day.
      const until =
        filters.until && !Number.isNaN(Date.parse(filters.until))
          ? new Date(Date.parse(filters.until) + (/^\d{4}-\d{2}-\d{2}$/.test(filters.until) ? 86_400_000 : 0))
          : undefined;
      const actor = filters.actor?.trim().slice(0, 200);
      return page(
        and(
          auditActions.includes(filters.action as AuditAction) ? eq(auditEvent.action, filters.action!) : undefined,
          actor ? ilike(auditEvent.actorEmail, `%${actor.replace(/[\\%_]/g, (c) => `\\${c}`)}%`) : undefined,
          since ? sql`${auditEvent.at} >= ${since}` : undefined,
          until ? sql`${auditEvent.at} < ${until}` : undefined,
        ),
        filters.after,
        50,
      );
    },

    /** The account an email names, so a failed sign-in shows among its owner's events. */
    async idOf(email: string | null): Promise<string | null> {
      if (!email) return null;
      const [row] = await db.select({ id: user.id }).from(user).where(eq(user.email, email.trim().toLowerCase()));
      return row?.id ?? null;
    },

    /** The email of an account, for the target column (null once the account is gone). */
    async emailOf(userId: string): Promise<string | null> {
      const [row] = await db.select({ email: user.email }).from(user).where(eq(user.id, userId));
      return row?.email ?? null;
    },

    /**
     * A workspace's events, for its owners and admins: the viewer's role is checked in the same
     * statement, so anyone else gets an empty page. Without the client address and user agent
     * (those are for the instance's admins).
     */
    async listForWorkspaceManager(viewerId: string, workspaceId: string, after?: string) {
      const { events, nextCursor } = await page(
        and(
          eq(auditEvent.workspaceId, workspaceId),
          sql`exists (select 1 from ${workspaceMember} m where m.workspace_id = ${workspaceId} and m.user_id = ${viewerId} and m.role in ('owner', 'admin'))`,
        ),
        after,
        50,
      );
      return {
        events: events.map((e): WorkspaceAuditRow => ({
          id: e.id,
          at: e.at,
          action: e.action,
          outcome: e.outcome,
          actorEmail: e.actorEmail,
          targetEmail: e.targetEmail,
          detail: e.detail,
        })),
        nextCursor,
      };
    },

    /** For /account: the security events of this person, as actor or as target. */
    listForUser(userId: string, after?: string) {
      return page(or(eq(auditEvent.actorId, userId), eq(auditEvent.targetId, userId)), after, 20);
    },
  };
}

export const audit = createAudit();

/** Where a request came from, as the audit log keeps it. */
export const requestOrigin = (headers: Headers | null | undefined) => ({
  address: headers ? clientAddressOf(headers) : null,
  userAgent: headers?.get("user-agent") ?? null,
});

export type Audit = ReturnType<typeof createAudit>;
