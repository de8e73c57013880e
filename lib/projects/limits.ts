import { positiveIntFromEnv, type Env } from "@/lib/config/env";

/**
 * The limits of projects, from the environment (documented in README's table and .env.example).
 * A bad value stops the app with a clear message, like every other number it reads.
 */
export type ProjectLimits = {
  /** Characters of a project's instructions, and of a person's own instructions (each). */
  maxInstructionsChars: number;
  /** Files in one project; one more → 409 `conflict`. */
  maxFiles: number;
  /** Bytes of all files of one project together; more → 413 `payload_too_large`. */
  maxBytes: number;
  /** Projects one person created (all spaces together); one more → 409 `conflict`. */
  maxProjectsPerUser: number;
  /** Passages handed to the model per turn. */
  retrievalPassages: number;
  /**
   * Above this many chunks in one project a turn ranks by full-text alone: vector ranking reads
   * every chunk's embedding (no vector index on these engines), so its cost grows with the project.
   */
  vectorMaxChunks: number;
  /**
   * The same bound in numbers compared: chunks × dimensions. What a turn's vector ranking costs
   * grows with both (a 1,536-dimension model costs six times a 256-dimension one per chunk), and on
   * PGlite the whole instance waits for it (it runs in the main thread). 3,072,000 is 2,000
   * chunks of text-embedding-3-small (measured in bench/README.md).
   */
  vectorMaxElements: number;
  /**
   * Full-text matches a turn ranks at most: ts_rank_cd reads each match's vector, so a project
   * whose every passage holds the question's words would otherwise be ranked whole at each turn.
   */
  retrievalCandidates: number;
  /** Files one person may have waiting to be indexed (all projects together); one more → 429 `rate_limited`. */
  maxQueuedFilesPerUser: number;
  /** How often an idle instance looks for indexing work (ms); an upload on this instance wakes it at once. */
  indexPollMs: number;
  /** OPENAI_EMBEDDING_MODEL; null: full-text retrieval only. */
  embeddingModel: string | null;
};

/**
 * The embedding model goes through the same OpenAI-compatible server as the chat model
 * (lib/chat/models.ts). With neither OPENAI_BASE_URL nor OPENAI_API_KEY the app runs the offline
 * demo model and there is no server to ask, so the setting is ignored (instrumentation logs it).
 */
export function embeddingModelFromEnv(env: Env): string | null {
  const model = env.OPENAI_EMBEDDING_MODEL?.trim();
  if (!model) return null;
  if (!env.OPENAI_BASE_URL && !env.OPENAI_API_KEY) return null;
  return model;
}

export function readProjectLimits(env: Env = process.env): ProjectLimits {
  return {
    maxInstructionsChars: positiveIntFromEnv(env, "MAX_INSTRUCTIONS_CHARS", 8000),
    maxFiles: positiveIntFromEnv(env, "PROJECT_MAX_FILES", 50),
    maxBytes: positiveIntFromEnv(env, "PROJECT_MAX_BYTES", 50 * 1024 * 1024),
    maxProjectsPerUser: positiveIntFromEnv(env, "MAX_PROJECTS_PER_USER", 100),
    retrievalPassages: positiveIntFromEnv(env, "PROJECT_RETRIEVAL_PASSAGES", 5),
    vectorMaxChunks: positiveIntFromEnv(env, "PROJECT_VECTOR_MAX_CHUNKS", 20_000),
    vectorMaxElements: positiveIntFromEnv(env, "PROJECT_VECTOR_MAX_ELEMENTS", 3_072_000),
    retrievalCandidates: positiveIntFromEnv(env, "PROJECT_RETRIEVAL_CANDIDATES", 1000),
    maxQueuedFilesPerUser: positiveIntFromEnv(env, "PROJECT_MAX_QUEUED_FILES_PER_USER", 20),
    indexPollMs: positiveIntFromEnv(env, "PROJECT_INDEX_POLL_MS", 2000),
    embeddingModel: embeddingModelFromEnv(env),
  };
}

export const projectLimits = readProjectLimits();
