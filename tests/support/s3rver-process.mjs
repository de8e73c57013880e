// s3rver in a process of its own: its dependencies load ESM through require(), which test
// runners' module hooks (Playwright's) cannot do. Prints {"port":N} once listening.
import S3rver from "s3rver";

const [directory, bucket] = process.argv.slice(2);
const server = new S3rver({
  port: 0,
  address: "127.0.0.1",
  directory,
  silent: true,
  configureBuckets: [{ name: bucket, configs: [] }],
});
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);
const stop = () => server.close().then(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
// The test process went away without stopping it: go too.
process.stdin.on("end", stop);
process.stdin.resume();
