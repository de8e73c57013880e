import "server-only";
import { createOpenAI } from "@ai-sdk/openai";
import { embedMany, type EmbeddingModel } from "ai";
import type { Env } from "@/lib/config/env";
import { usage as defaultUsage } from "@/lib/chat/usage";
import { embeddingModelFromEnv } from "@/lib/projects/limits";

/**
 * Embeddings of passages and questions through the same OpenAI-compatible server as the chat
 * model (OPENAI_BASE_URL / OPENAI_API_KEY, lib/chat/models.ts), with OPENAI_EMBEDDING_MODEL.
 * Every call is metered in the person's usage ledger: the uploader's for a file's passages, the
 * asker's for a question. Vectors are stored and compared at unit length, so cosine similarity is
 * a plain dot product in SQL (lib/projects/retrieval.ts).
 */

/** Texts per call: small enough for local servers (llama.cpp, Ollama) that take few at once. */
export const embeddingBatchSize = 64;
/** Characters of one text sent; a passage is at most 1,600 and a question is cut to 2,000. */
export const maxEmbeddingInputChars = 4000;

export type Embedder = {
  /** The model id stored with each vector: another model's vectors are never compared. */
  model: string;
  /**
   * Unit vectors for `values` (at most `embeddingBatchSize` per call made), metered for `userId`;
   * `workspaceId`: the project's workspace, whose month counts them too while they are a member.
   * A null entry: the server sent a zero vector (nothing to compare).
   */
  embed: (
    userId: string,
    values: string[],
    meter: { workspaceId: string | null },
    signal?: AbortSignal,
  ) => Promise<(number[] | null)[]>;
};

type Metering = Pick<typeof defaultUsage, "recordEmbeddingForUser">;

/** A vector at unit length, with 7 significant digits (what a `real` keeps); null for a zero vector. */
export function unitVector(vector: readonly number[]): number[] | null {
  let sum = 0;
  for (const x of vector) sum += x * x;
  if (!(sum > 0) || !Number.isFinite(sum)) return null;
  const norm = Math.sqrt(sum);
  return vector.map((x) => Number((x / norm).toPrecision(7)));
}

/** The embedder for a model (tests pass the fake server's), metering into `usage`. */
export function createEmbedder(model: EmbeddingModel, modelId: string, usage: Metering = defaultUsage): Embedder {
  return {
    model: modelId,
    async embed(userId, values, meter, signal) {
      const out: (number[] | null)[] = [];
      for (let i = 0; i < values.length; i += embeddingBatchSize) {
        const batch = values.slice(i, i + embeddingBatchSize).map((v) => v.slice(0, maxEmbeddingInputChars));
        const result = await embedMany({ model, values: batch, abortSignal: signal, maxRetries: 1 });
        await usage.recordEmbeddingForUser(userId, modelId, result.usage?.tokens ?? 0, meter.workspaceId);
        if (result.embeddings.length !== batch.length)
          throw new Error(`the embedding server sent ${result.embeddings.length} vectors for ${batch.length} texts`);
        for (const e of result.embeddings) out.push(unitVector(e));
      }
      return out;
    },
  };
}

/** The environment's embedder: null unless OPENAI_EMBEDDING_MODEL is set and a server is configured. */
export function embedderFromEnv(env: Env = process.env, usage: Metering = defaultUsage): Embedder | null {
  const modelId = embeddingModelFromEnv(env);
  if (!modelId) return null;
  // As lib/chat/models.ts: local servers usually need no key, but the provider insists on one.
  const provider = createOpenAI({
    baseURL: env.OPENAI_BASE_URL || undefined,
    apiKey: env.OPENAI_API_KEY || "not-needed",
  });
  return createEmbedder(provider.embedding(modelId), modelId, usage);
}

let current: Embedder | null | undefined;

/** The process's embedder, made once from process.env (null: full-text retrieval only). */
export function getEmbedder(): Embedder | null {
  if (current === undefined) current = embedderFromEnv();
  return current;
}
