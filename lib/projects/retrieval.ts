import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { db as defaultDb } from "@/lib/db/database";
import type { AppDatabase } from "@/db/connect";
import { project, projectChunk, projectFile } from "@/db/schema";
import { queryRows } from "@/lib/db/rows";
import { logger } from "@/lib/observability/logger";
import { getEmbedder, type Embedder } from "@/lib/projects/embeddings";
import { projectLimits, type ProjectLimits } from "@/lib/projects/limits";
import { projectVisibleTo } from "@/lib/projects/access";
import { isUuid } from "@/lib/projects/projects";

/**
 * The passages of a project most relevant to a question, with no setup: PostgreSQL full-text
 * search on both engines; with an embedding model (OPENAI_EMBEDDING_MODEL), also by cosine
 * similarity of stored vectors, the two rankings merged by reciprocal rank fusion. The caller's
 * right to see the project is checked in the same statement as the ranking; only indexed files
 * are read.
 *
 * What one turn may cost is bounded whatever the project holds, because on PGlite the whole
 * instance waits for the statement (it runs in the main thread) and on PostgreSQL it holds a
 * connection and a CPU:
 * - full-text ranks at most PROJECT_RETRIEVAL_CANDIDATES matches (ts_rank_cd reads each one's
 *   vector), and first asks for passages holding every word of the question (precise, and cheap):
 *   only when fewer than the ranking's 20 candidates hold them all does it take any word (OR).
 *   Measured on tests/fixtures/retrieval: recall@5 within a question of the OR query alone
 *   (waiting for 20 rather than the 5 passages wanted kept it so; 5 lost up to 3 of 40);
 * - neither engine here has a vector extension, so vectors are plain `real[]` compared in SQL,
 *   every embedded chunk of the project read (no index): a project past PROJECT_VECTOR_MAX_CHUNKS
 *   chunks or PROJECT_VECTOR_MAX_ELEMENTS numbers (chunks × dimensions) ranks by full-text alone;
 * - on PostgreSQL the ranking runs with a statement_timeout (PGlite accepts the setting and
 *   ignores it: the bounds above are what hold there); past it the statement fails, and the turn
 *   goes on without passages (lib/projects/turn-context.ts logs it);
 * - the question's embedding waits a few seconds at most, then full-text alone answers.
 */

export type RetrievedPassage = {
  fileId: string;
  fileName: string;
  seq: number;
  text: string;
  /** Higher is better, comparable within one answer only (ts_rank_cd, or the fused score in hybrid mode). */
  rank: number;
};

export const retrievalBounds = {
  /** Characters of the question read. */
  maxQueryChars: 2000,
  /** Distinct words of the question searched for (the first ones). */
  maxQueryWords: 32,
  /** Candidates each ranking hands to the fusion. */
  candidates: 20,
  /** Reciprocal rank fusion's constant (Cormack et al.): damps the weight of the very top ranks. */
  rrfK: 60,
  /** Passages one call returns at most, whatever the caller asks. */
  maxLimit: 50,
  /** PostgreSQL's statement_timeout for the ranking (ms). */
  statementTimeoutMs: 5000,
  /** How long the question's embedding may take (ms) before full-text answers alone. */
  queryEmbeddingTimeoutMs: 5000,
};

/** The question's distinct words (letters and digits only, so never a tsquery syntax error), the first ones. */
function queryWords(text: string): string[] {
  const words =
    text
      .slice(0, retrievalBounds.maxQueryChars)
      .normalize("NFKC")
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? [];
  return [...new Set(words)].slice(0, retrievalBounds.maxQueryWords);
}

/**
 * The question's words as an english full-text query that matches any of them (OR): a question
 * rarely shares all its words with the passage that answers it. Stemmed and without stopwords by
 * to_tsquery('english', …). Null when there is no word.
 */
export function toAnyWordQuery(text: string): string | null {
  const distinct = queryWords(text);
  return distinct.length ? distinct.join(" | ") : null;
}

/** The same words, all of them required (AND): tried first, as it matches few passages and the right ones. */
export function toAllWordsQuery(text: string): string | null {
  const distinct = queryWords(text);
  return distinct.length ? distinct.join(" & ") : null;
}

export type RetrieveOptions = {
  limit: number;
  /** Default: hybrid when an embedding model is configured, else full-text. */
  mode?: "fts" | "hybrid";
  /** The thread the question comes from (unused for scope: the caller checked it; kept for logs). */
  threadId?: string;
};

export type RetrievalOptions = {
  db?: AppDatabase;
  limits?: Pick<ProjectLimits, "vectorMaxChunks" | "vectorMaxElements" | "retrievalCandidates">;
  /** null: full-text only; default: OPENAI_EMBEDDING_MODEL's. */
  embedder?: () => Embedder | null;
  /** Default retrievalBounds.statementTimeoutMs. */
  statementTimeoutMs?: number;
  /** Default retrievalBounds.queryEmbeddingTimeoutMs. */
  queryEmbeddingTimeoutMs?: number;
};

export function createRetrieval(options: RetrievalOptions = {}) {
  const {
    db = defaultDb,
    limits = projectLimits,
    embedder = getEmbedder,
    statementTimeoutMs = retrievalBounds.statementTimeoutMs,
    queryEmbeddingTimeoutMs = retrievalBounds.queryEmbeddingTimeoutMs,
  } = options;
  const visible = (userId: string, projectId: string) =>
    sql`(select p.id, p.workspace_id from ${project} p where p.id = ${projectId}::uuid and ${projectVisibleTo(userId)})`;

  /** The project's indexed passages matching `query` (a tsquery column of `q`), at most `max` of them, unranked. */
  const matches = (scope: SQL, query: SQL, max: number) => sql`
    select c.file_id, c.seq, c.search
    from ${projectChunk} c
    join ${scope} s on s.id = c.project_id
    join ${projectFile} f on f.id = c.file_id and f.status = 'indexed'
    where c.search @@ ${query}
    limit ${max}`;

  /**
   * The ranking by full-text: the top candidates with their ranks (1 = best). At most
   * PROJECT_RETRIEVAL_CANDIDATES matches are ranked, taken as the index finds them: a question
   * whose words are everywhere gets the best of those rather than of all. Passages holding every
   * word come first; the any-word query runs only when they are fewer than `wanted` (its scan is
   * skipped otherwise: a one-time filter on the first one's count). Both are ranked by the
   * any-word query: among passages holding every word, the one holding them most often and
   * closest together still comes first.
   */
  const ftsRanking = (scope: SQL, all: string, any: string, wanted: number) => {
    const max = limits.retrievalCandidates;
    return sql`
    with q as (select to_tsquery('english', ${all}) as a, to_tsquery('english', ${any}) as o),
    every_word as (${matches(scope, sql`(select a from q)`, max)}),
    enough as (select count(*) >= ${wanted}::int as yes from every_word),
    found as (
      select e.file_id, e.seq, ts_rank_cd(e.search, q.o) as score from every_word e, q where (select yes from enough)
      union all
      select o.file_id, o.seq, ts_rank_cd(o.search, q.o) as score
      from (${matches(scope, sql`(select o from q)`, max)}) o, q
      where not (select yes from enough)
    )
    select file_id, seq, score, row_number() over (order by score desc, file_id, seq) as r
    from found
    order by r limit ${retrievalBounds.candidates}`;
  };

  /** The ranking by cosine similarity (unit vectors: a dot product), over one model's vectors. */
  const vectorRanking = (scope: SQL, vector: number[], model: string) => sql`
    select file_id, seq, score, row_number() over (order by score desc, file_id, seq) as r from (
      select c.file_id, c.seq,
             (select sum(a * b) from unnest(c.embedding, ${`{${vector.join(",")}}`}::real[]) as x(a, b)) as score
      from ${projectChunk} c
      join ${scope} s on s.id = c.project_id
      join ${projectFile} f on f.id = c.file_id and f.status = 'indexed'
      where c.embedding_model = ${model} and c.embedding is not null
      order by score desc, c.file_id, c.seq limit ${retrievalBounds.candidates}
    ) v`;

  /** The ranked passages with their text, in one transaction whose statements PostgreSQL stops past the timeout. */
  const passages = (ranked: SQL, limit: number): Promise<RetrievedPassage[]> =>
    db.transaction(async (tx) => {
      // `set local` takes no parameter; set_config(…, true) is the same for this transaction only.
      await tx.execute(sql`select set_config('statement_timeout', ${String(statementTimeoutMs)}, true)`);
      const rows = await queryRows<{
        file_id: string;
        name: string;
        seq: number;
        text: string;
        score: number | string;
      }>(
        tx,
        sql`with ranked as (${ranked})
            select ranked.file_id, f.name, ranked.seq, c.text, ranked.score
            from ranked
            join ${projectChunk} c on c.file_id = ranked.file_id and c.seq = ranked.seq
            join ${projectFile} f on f.id = ranked.file_id
            order by ranked.score desc, ranked.file_id, ranked.seq
            limit ${limit}`,
      );
      return rows.map((r) => ({
        fileId: r.file_id,
        fileName: r.name,
        seq: r.seq,
        text: r.text,
        rank: Number(r.score),
      }));
    });

  /**
   * The question's vector, when the project is visible and small enough for vector ranking (read
   * first, so nothing is embedded, nor metered, for a project the caller may not see or that has
   * no vectors of this model). Null: full-text alone, also when the embedding server fails or
   * takes longer than the timeout (logged). "missing": the project is not the caller's to see.
   */
  async function questionVector(
    userId: string,
    scope: SQL,
    model: Embedder,
    text: string,
    projectId: string,
  ): Promise<number[] | null | "missing"> {
    const [found] = await queryRows<{ workspace_id: string | null; chunks: number; dims: number | null }>(
      db,
      sql`select s.workspace_id,
                 (select coalesce(sum(f.chunks), 0)::int from ${projectFile} f
                  where f.project_id = s.id and f.status = 'indexed') as chunks,
                 (select array_length(c.embedding, 1) from ${projectChunk} c
                  where c.project_id = s.id and c.embedding_model = ${model.model} and c.embedding is not null
                  limit 1) as dims
          from ${scope} s`,
    );
    if (!found) return "missing";
    const { chunks, dims } = found;
    if (!dims || chunks <= 0 || chunks > limits.vectorMaxChunks || chunks * dims > limits.vectorMaxElements)
      return null;
    try {
      const [vector] = await model.embed(
        userId,
        [text],
        { workspaceId: found.workspace_id },
        AbortSignal.timeout(queryEmbeddingTimeoutMs),
      );
      return vector;
    } catch (error) {
      logger.warn({ err: error, projectId }, "retrieval: the question could not be embedded; full-text alone");
      return null;
    }
  }

  /**
   * The `limit` passages of the project most relevant to `query`, best first; empty when the
   * project is not the caller's to see (checked in the ranking's statement), has no indexed file,
   * or nothing matches. In hybrid mode the question is embedded (a metered call, for the caller)
   * only once the project is known to be visible and small enough for vector ranking.
   */
  async function retrieveForUser(
    userId: string,
    projectId: string,
    query: string,
    options: RetrieveOptions,
  ): Promise<RetrievedPassage[]> {
    if (!isUuid(projectId)) return [];
    const limit = Math.max(1, Math.min(Math.floor(options.limit), retrievalBounds.maxLimit));
    const text = query.slice(0, retrievalBounds.maxQueryChars);
    const any = toAnyWordQuery(text);
    const all = toAllWordsQuery(text);
    const model = options.mode === "fts" ? null : embedder();
    const scope = visible(userId, projectId);
    let vector: number[] | null = null;
    if (model && text.trim() !== "") {
      const found = await questionVector(userId, scope, model, text, projectId);
      if (found === "missing") return [];
      vector = found;
    }
    // Every word alone must fill the ranking's candidates, not just the passages wanted: a
    // passage that answers in other words still gets its chance unless every word is everywhere.
    const fts = any && all ? ftsRanking(scope, all, any, retrievalBounds.candidates) : null;
    if (!vector) return fts ? passages(fts, limit) : [];
    const k = retrievalBounds.rrfK;
    const vectors = vectorRanking(scope, vector, model!.model);
    // Reciprocal rank fusion: each ranking adds 1 / (k + rank) for the passages it placed.
    const fused = fts
      ? sql`select coalesce(t.file_id, v.file_id) as file_id, coalesce(t.seq, v.seq) as seq,
                   coalesce(1.0 / (${k} + t.r), 0) + coalesce(1.0 / (${k} + v.r), 0) as score
            from (${fts}) t full outer join (${vectors}) v on v.file_id = t.file_id and v.seq = t.seq`
      : sql`select v.file_id, v.seq, 1.0 / (${k} + v.r) as score from (${vectors}) v`;
    return passages(fused, limit);
  }

  return { retrieveForUser };
}

export type Retrieval = ReturnType<typeof createRetrieval>;

export const retrieval = createRetrieval();

/** The process's retrieval (see createRetrieval for tests' own databases). */
export const retrieveForUser: Retrieval["retrieveForUser"] = (...args) => retrieval.retrieveForUser(...args);
