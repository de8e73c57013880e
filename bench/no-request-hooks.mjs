// Bench only, preloaded (`node --import`) into the server the floor row compares against: the
// app's request hooks (request id, request log line, request metrics, client address) mark
// themselves installed on globalThis so that a second install is a no-op, and this sets those
// marks first, so instrumentation.ts installs neither. The build, routes and everything else are
// the same; the app's own code has no switch for this (bench/floor.ts checks it took effect).
globalThis.threadkeeperStampInstalled = true;
globalThis.threadkeeperObserverInstalled = true;
