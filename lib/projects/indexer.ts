import "server-only";
import { sql } from "drizzle-orm";
import { databaseReady, db as defaultDb } from "@/lib/db/database";
import type { AppDatabase } from "@/db/connect";
import { project, projectChunk, projectFile, projectFileBlob, projectIndexJob, user } from "@/db/schema";
import { queryRows } from "@/lib/db/rows";
import { createUsage, usage as defaultUsage } from "@/lib/chat/usage";
import { ApiError } from "@/lib/http/errors";
import { logger } from "@/lib/observability/logger";
import { metrics } from "@/lib/observability/metrics";
import { isShuttingDown } from "@/lib/observability/shutdown";
import { decodeText } from "@/lib/attachments/types";
import { pdfText as defaultPdfText, type PdfTextReader } from "@/lib/attachments/pdf-text";
import { chunksOf, normalizeText, type Chunk } from "@/lib/projects/chunking";
import { getEmbedder, type Embedder } from "@/lib/projects/embeddings";
import { projectLimits } from "@/lib/projects/limits";

/**
 * Indexing of project files, off the request path: an upload writes a row in `project_index_job`
 * and any instance works it. A worker claims the oldest due job with FOR UPDATE SKIP LOCKED (two
 * workers never take the same one) and holds it for a lease, renewed as it goes; a job whose
 * instance died is taken again once its lease runs out. The claim counts an attempt; every write
 * after it names that attempt, so a worker whose job was deleted (the file removed) or taken over
 * (its lease ran out) writes nothing more and stops quietly.
 *
 * Jobs are claimed fairly between uploaders: first those of people with no file being indexed
 * right now (on any instance), then those of people with the fewest files waiting, then oldest
 * first. One person's many files therefore wait behind everyone else's few, not the other way
 * round; they are worked whenever no lighter queue is due (and PROJECT_MAX_QUEUED_FILES_PER_USER
 * caps how many one person can queue at all). Counted afresh at each claim, from the queue
 * itself: nothing else to keep.
 *
 * One job at a time per instance: read the bytes, get the text (a PDF in a worker thread, within
 * lib/attachments/pdf-text.ts's limits), split it into passages (lib/projects/chunking.ts), a
 * batch at a time with the event loop free between batches, write them with their full-text
 * vector, embed them when OPENAI_EMBEDDING_MODEL is set, then mark the file indexed. Retrieval
 * reads only indexed files, so a half-written one is never seen.
 *
 * A file whose text cannot be read (a broken or too complex PDF, no text at all) fails at once
 * with the reason; other failures (the database, the embedding server) are tried again later
 * (30 s, 2 min, then 8 min) and the file fails after `maxAttempts`. A PDF reader that is busy
 * (the uploader's own PDFs fill their slots, or the queue is full) is not the file's fault: the
 * job is put back without counting an attempt, at most `maxDeferrals` times; a read that ran out
 * of time is tried once more the same way (the machine may have been busy) before the file fails.
 * Those deferrals are counted in this instance's memory (no column holds them): a restart starts
 * the count again, which keeps it bounded per instance.
 *
 * Embeddings are spent for the uploader: before each batch, their monthly token quota and that of
 * the project's workspace are checked (lib/chat/usage.ts); once either is reached, the file is
 * finished as indexed with the passages embedded so far (full-text finds all of them) and that is
 * logged, rather than spending tokens nobody may spend.
 */

export type IndexerOptions = {
  db?: AppDatabase;
  /** null: no embeddings (full-text retrieval only); default: OPENAI_EMBEDDING_MODEL's. */
  embedder?: () => Embedder | null;
  pdf?: PdfTextReader;
  pollMs?: number;
  /** How long a claim holds a job before another instance may take it again. */
  leaseMs?: number;
  maxAttempts?: number;
  /** Passages written per statement (and chunked per turn of the event loop). */
  batchSize?: number;
  /** Base of the back-off after a failed attempt: base × 4^(attempt − 1). */
  retryBaseMs?: number;
  /** The quota checks before each embedding batch; default: lib/chat/usage.ts's on this database. */
  usage?: Pick<typeof defaultUsage, "assertWithinQuotaForWorkspaceUser">;
  /** Times a job may be put back because the PDF reader was busy, without counting an attempt. */
  maxDeferrals?: number;
  /** How long a job put back waits. */
  deferMs?: number;
  /** How long one embedding call of the indexer may take before the attempt fails (and is retried). */
  embedTimeoutMs?: number;
};

type Claim = {
  file_id: string;
  attempts: number;
  media_type: string;
  user_id: string;
  workspace_id: string | null;
  project_id: string;
  /** The uploader's own monthly token quota (null: the instance's). */
  token_quota: number | string | null;
};

/** The file's text cannot be read: the file fails at once with this reason. */
class Unreadable extends Error {}
/** The job is no longer this worker's (file deleted, lease taken over, or stopping): end quietly. */
class NotMine extends Error {}
/** The PDF reader could not take the file now (busy, or out of time): not the file's fault, yet. */
class Busy extends Error {
  constructor(
    readonly reason: ApiError,
    readonly timedOut: boolean,
  ) {
    super(reason.message);
  }
}

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

export function createProjectIndexer(options: IndexerOptions = {}) {
  const db = options.db ?? defaultDb;
  // The app's database is migrated on first use (PGlite): on a fresh one the first poll would find no tables.
  const ready = options.db ? async () => {} : databaseReady;
  const embedderOf = options.embedder ?? getEmbedder;
  const pdf = options.pdf ?? defaultPdfText;
  const pollMs = options.pollMs ?? projectLimits.indexPollMs;
  const leaseMs = options.leaseMs ?? 5 * 60_000;
  const maxAttempts = options.maxAttempts ?? 3;
  const batchSize = options.batchSize ?? 200;
  const retryBaseMs = options.retryBaseMs ?? 30_000;
  const usage = options.usage ?? (options.db ? createUsage(options.db) : defaultUsage);
  const maxDeferrals = options.maxDeferrals ?? 10;
  const deferMs = options.deferMs ?? 20_000;
  const embedTimeoutMs = options.embedTimeoutMs ?? 120_000;
  /** Deferrals of each file's job on this instance (see the module's comment): busy reader, timed-out read. */
  const deferrals = new Map<string, { busy: number; timeouts: number }>();
  const lease = sql`make_interval(secs => ${leaseMs / 1000})`;

  let started = false;
  let stopping = false;
  let timer: ReturnType<typeof setInterval> | null = null;
  let draining: Promise<void> | null = null;
  let again = false;
  /** The job being worked, to give back on stop. */
  let current: { fileId: string; attempts: number; abort: AbortController } | null = null;
  let lastFailureLog = 0;

  /**
   * Claims the next due job (skipping ones other workers hold), fairly between uploaders (see the
   * module's comment), and marks its file `indexing`. One statement: the due conditions sit on
   * the locked row itself, so a job another worker claimed meanwhile is re-checked and passed over.
   */
  async function claim(): Promise<Claim | null> {
    const [row] = await queryRows<Claim>(
      db,
      sql`with busy as (
            select bf.user_id, count(*)::int as n
            from ${projectIndexJob} bj join ${projectFile} bf on bf.id = bj.file_id
            where bj.locked_until > now()
            group by bf.user_id
          ), due as (
            select dj.file_id, df.user_id, dj.run_after,
                   count(*) over (partition by df.user_id) as queued
            from ${projectIndexJob} dj join ${projectFile} df on df.id = dj.file_id
            where dj.run_after <= now() and (dj.locked_until is null or dj.locked_until < now())
          ), claimed as (
            update ${projectIndexJob} j set locked_until = now() + ${lease}, attempts = j.attempts + 1
            where j.file_id = (
              select lj.file_id from ${projectIndexJob} lj
              join due d on d.file_id = lj.file_id
              left join busy b on b.user_id is not distinct from d.user_id
              where lj.run_after <= now() and (lj.locked_until is null or lj.locked_until < now())
              order by coalesce(b.n, 0), d.queued, lj.run_after, lj.file_id
              limit 1
              for update of lj skip locked)
            returning j.file_id, j.attempts
          ), marked as (
            update ${projectFile} f set status = 'indexing', error = null from claimed c where f.id = c.file_id
            returning f.id, f.media_type, f.user_id, f.project_id
          )
          select c.file_id, c.attempts, m.media_type, coalesce(m.user_id, p.user_id) as user_id,
                 p.workspace_id, p.id as project_id, u.token_quota
          from claimed c join marked m on m.id = c.file_id join ${project} p on p.id = m.project_id
          left join ${user} u on u.id = coalesce(m.user_id, p.user_id)`,
    );
    return row ?? null;
  }

  /** Renews the lease; NotMine when the job is gone or another attempt holds it. */
  async function renew(claim: Claim) {
    const rows = await queryRows<{ file_id: string }>(
      db,
      sql`update ${projectIndexJob} set locked_until = now() + ${lease}
          where file_id = ${claim.file_id} and attempts = ${claim.attempts} returning file_id`,
    );
    if (rows.length === 0) throw new NotMine();
  }

  const stillMine = async (claim: Claim) =>
    (
      await queryRows<{ mine: boolean }>(
        db,
        sql`select exists (select 1 from ${projectIndexJob} where file_id = ${claim.file_id} and attempts = ${claim.attempts}) as mine`,
      )
    )[0]?.mine === true;

  /** The job is still this attempt's: the condition every write after the claim carries. */
  const mine = (claim: Claim) =>
    sql`exists (select 1 from ${projectIndexJob} j where j.file_id = ${claim.file_id} and j.attempts = ${claim.attempts})`;

  async function textOf(claim: Claim): Promise<string> {
    const [blob] = await queryRows<{ data: Uint8Array }>(
      db,
      sql`select data from ${projectFileBlob} where file_id = ${claim.file_id}`,
    );
    if (!blob) throw new NotMine();
    const bytes = new Uint8Array(blob.data);
    let text: string | undefined;
    if (claim.media_type === "application/pdf") {
      try {
        text = await pdf.read(claim.user_id, bytes);
      } catch (error) {
        // The reader is busy (the uploader's own PDFs fill their slots, or its queue is full): later.
        if (error instanceof ApiError && (error.code === "rate_limited" || error.code === "service_unavailable"))
          throw new Busy(error, false);
        // Out of time (lib/attachments/pdf-text.ts says "within N seconds"): perhaps the machine was busy.
        if (
          error instanceof ApiError &&
          error.code === "pdf_too_complex" &&
          /within [\d.]+ seconds/.test(error.message)
        )
          throw new Busy(error, true);
        // Too complex or not a PDF after all: the file's fault, and trying again changes nothing.
        if (error instanceof ApiError && (error.code === "pdf_too_complex" || error.code === "unsupported_media_type"))
          throw new Unreadable(error.message);
        throw error;
      }
    } else {
      text = decodeText(bytes);
      if (text === undefined) throw new Unreadable("This file is not valid UTF-8 text.");
    }
    const normalized = normalizeText(text);
    if (normalized.trim() === "")
      throw new Unreadable("No text could be read from this file (a scanned PDF holds only images).");
    return normalized;
  }

  /** Writes the passages, a batch per statement, yielding between batches; returns how many. */
  async function writeChunks(claim: Claim, text: string, signal: AbortSignal): Promise<number> {
    await db.execute(sql`delete from ${projectChunk} where file_id = ${claim.file_id} and ${mine(claim)}`);
    const chunks = chunksOf(text);
    let count = 0;
    for (;;) {
      const batch: Chunk[] = [];
      while (batch.length < batchSize) {
        const next = chunks.next();
        if (next.done) break;
        batch.push(next.value);
      }
      if (batch.length === 0) return count;
      if (signal.aborted) throw new NotMine();
      const rows = await queryRows<{ seq: number }>(
        db,
        sql`insert into ${projectChunk} (file_id, seq, project_id, text, start, search)
            select ${claim.file_id}, r.seq, ${claim.project_id}, r.text, r.start, to_tsvector('english', r.text)
            from jsonb_to_recordset(${JSON.stringify(batch)}::jsonb) as r(seq int, start int, text text)
            where ${mine(claim)}
            returning seq`,
      );
      if (rows.length !== batch.length) throw new NotMine();
      count += batch.length;
      await renew(claim);
      await nextTick();
    }
  }

  /** Whether the uploader (and the project's workspace) may still spend tokens this month. */
  async function withinQuota(claim: Claim): Promise<boolean> {
    const own = claim.token_quota === null ? null : Number(claim.token_quota);
    try {
      await usage.assertWithinQuotaForWorkspaceUser(claim.user_id, own, claim.workspace_id);
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.code === "quota_exceeded") return false;
      throw error;
    }
  }

  /**
   * Embeds the file's passages that lack this model's vectors, a batch per call, each within the
   * quota (checked before it) and a time limit. "over_quota": it stopped there.
   */
  async function embedChunks(claim: Claim, embedder: Embedder, signal: AbortSignal): Promise<"done" | "over_quota"> {
    for (;;) {
      if (signal.aborted) throw new NotMine();
      const todo = await queryRows<{ seq: number; text: string }>(
        db,
        sql`select seq, text from ${projectChunk}
            where file_id = ${claim.file_id} and embedding_model is distinct from ${embedder.model}
            order by seq limit 64`,
      );
      if (todo.length === 0) return "done";
      if (!(await withinQuota(claim))) return "over_quota";
      const vectors = await embedder.embed(
        claim.user_id,
        todo.map((c) => c.text),
        { workspaceId: claim.workspace_id },
        AbortSignal.any([signal, AbortSignal.timeout(embedTimeoutMs)]),
      );
      const values = todo.map((c, i) => ({ seq: c.seq, embedding: vectors[i] }));
      const rows = await queryRows<{ seq: number }>(
        db,
        sql`update ${projectChunk} c set embedding = r.embedding, embedding_model = ${embedder.model}
            from jsonb_to_recordset(${JSON.stringify(values)}::jsonb) as r(seq int, embedding real[])
            where c.file_id = ${claim.file_id} and c.seq = r.seq and ${mine(claim)}
            returning c.seq`,
      );
      if (rows.length !== todo.length) throw new NotMine();
      await renew(claim);
    }
  }

  /** Marks the file indexed and ends the job, if it is still this attempt's. */
  async function finish(claim: Claim, chunks: number) {
    await db.execute(
      sql`with done as (
            delete from ${projectIndexJob} where file_id = ${claim.file_id} and attempts = ${claim.attempts}
            returning file_id)
          update ${projectFile} set status = 'indexed', error = null, chunks = ${chunks}, indexed_at = now()
          where id in (select file_id from done)`,
    );
  }

  /** The file fails for good: its passages go, the reason stays for the person to read. */
  async function fail(claim: Claim, reason: string) {
    await db.execute(
      sql`with done as (
            delete from ${projectIndexJob} where file_id = ${claim.file_id} and attempts = ${claim.attempts}
            returning file_id),
          gone as (delete from ${projectChunk} where file_id in (select file_id from done))
          update ${projectFile} set status = 'failed', error = ${reason.slice(0, 500)}, chunks = 0
          where id in (select file_id from done)`,
    );
  }

  /** Tried again later (a back-off that grows with each attempt); the file shows as queued meanwhile. */
  async function retryLater(claim: Claim) {
    const delaySecs = (retryBaseMs * 4 ** (claim.attempts - 1)) / 1000;
    await db.execute(
      sql`with later as (
            update ${projectIndexJob} set locked_until = null, run_after = now() + make_interval(secs => ${delaySecs})
            where file_id = ${claim.file_id} and attempts = ${claim.attempts}
            returning file_id)
          update ${projectFile} set status = 'queued' where id in (select file_id from later)`,
    );
  }

  /** Gives the job back untried (this instance is stopping): the attempt does not count. */
  async function release(fileId: string, attempts: number) {
    await db.execute(
      sql`with back as (
            update ${projectIndexJob} set locked_until = null, attempts = attempts - 1
            where file_id = ${fileId} and attempts = ${attempts}
            returning file_id)
          update ${projectFile} set status = 'queued' where id in (select file_id from back)`,
    );
  }

  /** Put back for later without counting the attempt (the PDF reader was busy); the file shows as queued. */
  async function defer(claim: Claim) {
    await db.execute(
      sql`with later as (
            update ${projectIndexJob}
            set locked_until = null, attempts = attempts - 1, run_after = now() + make_interval(secs => ${deferMs / 1000})
            where file_id = ${claim.file_id} and attempts = ${claim.attempts}
            returning file_id)
          update ${projectFile} set status = 'queued' where id in (select file_id from later)`,
    );
  }

  /** A busy or timed-out PDF read: put back while within the bounds, else the file fails. */
  async function deferOrFail(claim: Claim, busy: Busy): Promise<"deferred" | "failed"> {
    if (deferrals.size > 10_000) deferrals.clear();
    const count = deferrals.get(claim.file_id) ?? { busy: 0, timeouts: 0 };
    if (busy.timedOut ? count.timeouts < 1 : count.busy < maxDeferrals) {
      if (busy.timedOut) count.timeouts++;
      else count.busy++;
      deferrals.set(claim.file_id, count);
      await defer(claim);
      return "deferred";
    }
    await fail(
      claim,
      busy.timedOut
        ? busy.reason.message
        : `The PDF reader stayed busy (${busy.reason.message}); remove the file and add it again later.`,
    );
    return "failed";
  }

  /**
   * Claims and works one job; false when there was none due. A failure of the work itself is
   * recorded on the job (retry or failed); only a failure to reach the database is thrown.
   */
  async function runOnce(): Promise<boolean> {
    const claimed = await claim();
    if (!claimed) return false;
    const abort = new AbortController();
    current = { fileId: claimed.file_id, attempts: claimed.attempts, abort };
    const outcome = (name: string) => {
      // The job ended for good: its deferrals are no longer needed.
      if (name === "indexed" || name === "failed") deferrals.delete(claimed.file_id);
      metrics.projectIndexJobs.inc({ outcome: name });
    };
    try {
      if (claimed.attempts > maxAttempts) {
        // Its earlier attempts never ended (the instance died mid-way, perhaps because of this file).
        await fail(claimed, `Indexing did not finish after ${maxAttempts} attempts.`);
        outcome("failed");
        return true;
      }
      const text = await textOf(claimed);
      const chunks = await writeChunks(claimed, text, abort.signal);
      const embedder = embedderOf();
      if (embedder && (await embedChunks(claimed, embedder, abort.signal)) === "over_quota") {
        logger.warn(
          { fileId: claimed.file_id, userId: claimed.user_id, workspaceId: claimed.workspace_id },
          "project file: token quota reached; indexed for full-text search without (further) embeddings",
        );
      }
      await finish(claimed, chunks);
      outcome("indexed");
    } catch (error) {
      // A write that failed because the file went meanwhile (its job with it) is no failure.
      const gone = error instanceof NotMine || !(await stillMine(claimed).catch(() => true));
      if (gone || abort.signal.aborted) {
        if (abort.signal.aborted) await release(claimed.file_id, claimed.attempts).catch(() => {});
        outcome("abandoned");
      } else if (error instanceof Busy) {
        logger.info({ fileId: claimed.file_id, reason: error.message }, "project file: the PDF reader is busy");
        outcome(await deferOrFail(claimed, error));
      } else if (error instanceof Unreadable) {
        await fail(claimed, error.message);
        outcome("failed");
      } else if (claimed.attempts >= maxAttempts) {
        logger.warn({ err: error, fileId: claimed.file_id }, "project file: indexing failed for good");
        await fail(claimed, `Indexing failed ${maxAttempts} times; the last error: ${messageOf(error)}`);
        outcome("failed");
      } else {
        logger.warn(
          { err: error, fileId: claimed.file_id, attempt: claimed.attempts },
          "project file: indexing failed",
        );
        await retryLater(claimed);
        outcome("retry");
      }
    } finally {
      current = null;
    }
    return true;
  }

  /** Works jobs until none is due (or stopping); `again` covers a wake that came meanwhile. */
  async function drain() {
    do {
      again = false;
      try {
        await ready();
        while (!stopping && !isShuttingDown() && (await runOnce()));
      } catch (error) {
        // The database, most likely; the next poll tries again. Logged once a minute at most.
        if (Date.now() - lastFailureLog > 60_000) {
          lastFailureLog = Date.now();
          logger.warn({ err: error }, "project indexer: could not look for work");
        }
        return;
      }
    } while (again && !stopping);
  }

  function tick() {
    if (!started || stopping) return;
    if (draining) {
      again = true;
      return;
    }
    draining = drain().finally(() => (draining = null));
  }

  return {
    /** Polls for work every PROJECT_INDEX_POLL_MS (and at once). */
    start() {
      if (started) return;
      started = true;
      stopping = false;
      timer = setInterval(tick, pollMs);
      timer.unref?.();
      tick();
    },
    /** Stops polling; the job in progress is given back (its attempt not counted) once it notices. */
    async stop() {
      stopping = true;
      started = false;
      if (timer) clearInterval(timer);
      timer = null;
      current?.abort.abort();
      await draining;
    },
    /** Work was queued on this instance: look for it now rather than at the next poll. */
    wake() {
      tick();
    },
    runOnce,
    /** For tests: whether a job is being worked. */
    busy: () => current !== null,
  };
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 300);

export type ProjectIndexer = ReturnType<typeof createProjectIndexer>;

// One per process, whichever bundle asks (instrumentation starts it; an upload's route wakes it).
const shared = globalThis as { threadkeeperProjectIndexer?: ProjectIndexer };
export const projectIndexer: ProjectIndexer = (shared.threadkeeperProjectIndexer ??= createProjectIndexer());
