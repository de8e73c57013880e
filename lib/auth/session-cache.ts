import "server-only";
import type { DBAdapter } from "better-auth";
import { logger } from "@/lib/observability/logger";

/** Where a change to a session or a user is announced, by a trigger on those tables (drizzle/0011). */
export const SESSION_CHANGES_CHANNEL = "threadkeeper_session_changed";

type Listen = (
  channel: string,
  onPayload: (payload: string) => void,
  onConnection: (connected: boolean) => void,
) => Promise<void>;

export type SessionCacheOptions = { ttlMs?: number; maxEntries?: number; now?: () => number };

type Entry = { row: Record<string, unknown>; userId: string; storedAt: number };

/**
 * better-auth looks a session up by its token on every request (no cookie cache, so revocation
 * is immediate): one query that joins the user. This keeps those rows in memory, and forgets
 * them the moment they may be stale:
 * - any write through better-auth to a session or a user on this instance clears the cache
 *   before the write returns (sign-out, revocation, a ban, a password change, a deletion);
 * - any change to a session or user row, by any instance or by hand in SQL, reaches every
 *   instance through a trigger and LISTEN/NOTIFY, and drops that user's entries;
 * - while the LISTEN connection is down (or not yet up), nothing is cached or served from the
 *   cache, and everything is dropped when it comes back, since notices may have been missed;
 * - an entry lives `ttlMs` at most whatever happens.
 * A lookup that raced a change is not stored (a generation count), so a stale row is never put
 * back after its change was announced.
 */
export function createSessionCache(listen: () => Listen, options: SessionCacheOptions = {}) {
  const ttlMs = options.ttlMs ?? 30_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const tokensOfUser = new Map<string, Set<string>>();
  let generation = 0;
  let connected = false;
  let started: Promise<void> | undefined;

  const forget = (token: string) => {
    const entry = entries.get(token);
    if (!entry) return;
    entries.delete(token);
    const tokens = tokensOfUser.get(entry.userId);
    tokens?.delete(token);
    if (tokens?.size === 0) tokensOfUser.delete(entry.userId);
  };
  const clear = () => {
    generation++;
    entries.clear();
    tokensOfUser.clear();
  };
  const forgetUser = (userId: string) => {
    generation++;
    for (const token of tokensOfUser.get(userId) ?? []) forget(token);
  };

  const start = () =>
    (started ??= listen()(SESSION_CHANGES_CHANNEL, forgetUser, (up) => {
      clear();
      connected = up;
    }).catch((error: unknown) => {
      // The connection is retried in the background; the cache starts serving once it is up.
      logger.warn(
        { err: error },
        "session cache: not listening for session changes yet; sessions are read from the database",
      );
    }));

  return {
    /** A cached session row (with its user) for this token, or undefined. */
    get(token: string): Record<string, unknown> | undefined {
      void start();
      if (!connected) return undefined;
      const entry = entries.get(token);
      if (!entry) return undefined;
      if (now() - entry.storedAt > ttlMs) {
        forget(token);
        return undefined;
      }
      return { ...entry.row, user: { ...(entry.row.user as object) } };
    },
    /** Stamps a lookup: its result is stored only if nothing changed while it ran. */
    begin: () => generation,
    put(token: string, row: Record<string, unknown>, stamp: number) {
      const userId = (row.user as { id?: unknown } | undefined)?.id;
      if (!connected || stamp !== generation || typeof userId !== "string") return;
      forget(token);
      if (entries.size >= maxEntries) forget(entries.keys().next().value!);
      entries.set(token, { row, userId, storedAt: now() });
      (tokensOfUser.get(userId) ?? tokensOfUser.set(userId, new Set()).get(userId)!).add(token);
    },
    clear,
    forgetUser,
    size: () => entries.size,
  };
}

export type SessionCache = ReturnType<typeof createSessionCache>;

const writes = new Set(["update", "updateMany", "delete", "deleteMany", "consumeOne", "incrementOne"]);
const cachedModels = new Set(["session", "user"]);

type FindOne = DBAdapter["findOne"];

/** The token a session lookup asks for, when it is exactly better-auth's lookup by token with the user joined. */
function tokenLookup(query: Parameters<FindOne>[0]): string | undefined {
  if (query.model !== "session" || query.select || query.where.length !== 1) return undefined;
  const [where] = query.where;
  const joinsUserOnly =
    query.join && Object.keys(query.join).length === 1 && "user" in query.join && query.join.user === true;
  if (
    !joinsUserOnly ||
    where?.field !== "token" ||
    (where.operator && where.operator !== "eq") ||
    typeof where.value !== "string"
  )
    return undefined;
  return where.value;
}

/** better-auth's database adapter with session lookups served by `cache` (see createSessionCache). */
export function withSessionCache(adapter: DBAdapter, cache: SessionCache): DBAdapter {
  return new Proxy(adapter, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property === "findOne") {
        return (async (query: Parameters<FindOne>[0]) => {
          const token = tokenLookup(query);
          if (token === undefined) return (value as FindOne).call(target, query);
          const cached = cache.get(token);
          if (cached) return cached;
          const stamp = cache.begin();
          const row = await (value as FindOne).call(target, query);
          if (row) cache.put(token, row as Record<string, unknown>, stamp);
          return row;
        }) as FindOne;
      }
      if (typeof property === "string" && writes.has(property)) {
        return async (query: { model: string }) => {
          if (!cachedModels.has(query.model)) return (value as (q: unknown) => Promise<unknown>).call(target, query);
          cache.clear();
          try {
            return await (value as (q: unknown) => Promise<unknown>).call(target, query);
          } finally {
            cache.clear();
          }
        };
      }
      return value;
    },
  });
}
