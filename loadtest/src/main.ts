#!/usr/bin/env node
/**
 * pharos-load: the Locust-compatible load harness (docs/loadtest.md). The Node.js version is
 * checked before the harness (undici) is loaded, as `pharos` does.
 */
import { exitIfNodeTooOld } from "../../gateway/src/node-version.ts";

exitIfNodeTooOld("pharos-load");
const { runCli } = await import("./cli/run-cli.ts");

const stop = new AbortController();
let signals = 0;
const onSignal = (): void => {
  signals += 1;
  if (signals > 1) process.exit(130);
  stop.abort();
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

const code = await runCli(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  signal: stop.signal,
});
process.exitCode = code;
