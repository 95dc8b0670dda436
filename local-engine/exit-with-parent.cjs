// Preloaded (`node --require`) into the dynamic-provider host the local engine starts: the host
// exits when its stdin, a pipe from the engine, closes. That happens however the engine ends, a
// SIGKILL included, which no handler in the engine could catch, so no host outlives its engine.
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
