import "server-only";
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import { listFromEnv, type Env } from "@/lib/config/env";
import { resolveAuthSecret } from "@/lib/auth/secret";

/*
 * Tool credentials (shared tokens, per-person tokens, OAuth client secrets and verifiers) at rest:
 * AES-256-GCM under a key derived from CREDENTIALS_SECRET (or the auth secret), so a copy of the
 * database alone reveals nothing. Every box names the key that sealed it; former secrets listed in
 * CREDENTIALS_PREVIOUS_SECRETS still open old boxes, and the caller re-seals those with the current key.
 * Every box is also bound to its row (see SecretContext).
 */

type Key = { id: string; bytes: Buffer };

const derived = new Map<string, Key>();

function deriveKey(secret: string): Key {
  let key = derived.get(secret);
  if (!key) {
    const bytes = Buffer.from(hkdfSync("sha256", secret, "threadkeeper", "tool-credentials v1", 32));
    key = { id: createHash("sha256").update(bytes).digest("hex").slice(0, 8), bytes };
    derived.set(secret, key);
  }
  return key;
}

function keys(env: Env) {
  const current = deriveKey(env.CREDENTIALS_SECRET || resolveAuthSecret(env));
  const previous = listFromEnv(env, "CREDENTIALS_PREVIOUS_SECRETS")
    .map(deriveKey)
    .filter((key) => key.id !== current.id);
  return { current, previous };
}

const b64 = (bytes: Buffer) => bytes.toString("base64url");

/**
 * What a box is bound to: the row and column it belongs in, e.g. `mcp_credential:<userId>:<serverId>`
 * or `mcp_server:<id>:shared_token`. It is authenticated with the box (AES-GCM additional data), so
 * a box copied into another row (someone else's credential, another server's token) does not open.
 */
export type SecretContext = string;

const additionalData = (keyId: string, context: SecretContext) => {
  if (!context) throw new Error("An encrypted credential needs the row it belongs to.");
  return Buffer.from(`v1.${keyId}|${context}`);
};

/** Seals a secret for one row and column: `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts). */
export function encryptSecret(plain: string, context: SecretContext, env: Env = process.env): string {
  const { current } = keys(env);
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", current.bytes, iv);
  // The header and the row are authenticated too, so a box cannot be relabelled to another key
  // or version, nor moved to another row.
  cipher.setAAD(additionalData(current.id, context));
  const ciphertext = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return ["v1", current.id, b64(iv), b64(cipher.getAuthTag()), b64(ciphertext)].join(".");
}

/**
 * Opens a box sealed for `context` (the same row and column). `stale` means a former secret sealed
 * it: re-encrypt and save. Throws (without saying anything about the contents) when the box is
 * malformed, altered, sealed for another row, or sealed by an unknown key.
 */
export function decryptSecret(
  box: string,
  context: SecretContext,
  env: Env = process.env,
): { plain: string; stale: boolean } {
  const parts = box.split(".");
  if (parts.length !== 5 || parts[0] !== "v1") throw new Error("Not an encrypted credential.");
  const [, keyId, iv, tag, ciphertext] = parts;
  const { current, previous } = keys(env);
  const key = current.id === keyId ? current : previous.find((candidate) => candidate.id === keyId);
  if (!key) throw new Error("This credential was encrypted with a key this server no longer has.");
  const aad = additionalData(keyId, context);
  try {
    // A fixed tag length: GCM would otherwise accept a truncated tag, which is easier to forge.
    const decipher = createDecipheriv("aes-256-gcm", key.bytes, Buffer.from(iv, "base64url"), { authTagLength: 16 });
    decipher.setAAD(aad);
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    const plain = Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]);
    return { plain: plain.toString("utf8"), stale: key !== current };
  } catch {
    throw new Error("This credential could not be decrypted (altered, damaged, or not this row's).");
  }
}
