import path from "node:path";
import type { Env } from "../config/env";

// Plain settings, no server-only imports: next.config.ts checks them before `next start`.

export const storageKinds = ["database", "filesystem", "s3"] as const;
export type StorageKind = (typeof storageKinds)[number];

export type S3Settings = {
  endpoint?: string;
  bucket: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
};

/** ATTACHMENT_STORAGE and its settings; a bad or incomplete setting stops the app with a clear message. */
export function readStorageSettings(
  env: Env = process.env,
): { kind: "database" } | { kind: "filesystem"; dir: string } | ({ kind: "s3" } & S3Settings) {
  const kind = env.ATTACHMENT_STORAGE || "database";
  if (!storageKinds.includes(kind as StorageKind))
    throw new Error(`ATTACHMENT_STORAGE must be database, filesystem or s3, got "${kind}".`);
  if (kind === "filesystem") {
    // The operator's directory is not the app's to trace into the build output.
    return {
      kind,
      dir: env.ATTACHMENT_DIR
        ? path.resolve(/* turbopackIgnore: true */ env.ATTACHMENT_DIR)
        : path.join(process.cwd(), ".data", "attachments"),
    };
  }
  if (kind === "s3") {
    if (!env.S3_BUCKET)
      throw new Error("ATTACHMENT_STORAGE=s3 needs S3_BUCKET (and S3_ENDPOINT for a store other than AWS).");
    if (Boolean(env.S3_ACCESS_KEY_ID) !== Boolean(env.S3_SECRET_ACCESS_KEY))
      throw new Error(
        "Set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither (the AWS SDK's own credential chain).",
      );
    return {
      kind,
      endpoint: env.S3_ENDPOINT || undefined,
      bucket: env.S3_BUCKET,
      region: env.S3_REGION || "us-east-1",
      accessKeyId: env.S3_ACCESS_KEY_ID || undefined,
      secretAccessKey: env.S3_SECRET_ACCESS_KEY || undefined,
    };
  }
  return { kind: "database" };
}
