// s3rver ships no types; this is the part the tests use.
declare module "s3rver" {
  export default class S3rver {
    constructor(options: { port?: number; address?: string; directory: string; silent?: boolean; configureBuckets?: { name: string; configs: unknown[] }[] });
    run(): Promise<{ port: number; address: string }>;
    close(): Promise<void>;
  }
}
