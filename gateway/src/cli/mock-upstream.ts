/** `pharos mock-upstream`: the mock LLM server as a process (benchmarks, the native stack). */
import { toListenError } from "../listen-error.ts";
import { MockUpstream } from "../mock/mock-upstream.ts";
import type { MockUpstreamArgs } from "./args.ts";

export async function mockUpstreamCommand(args: MockUpstreamArgs): Promise<void> {
  const mock = new MockUpstream({ latencyMs: args.latencyMs, chunkDelayMs: args.chunkDelayMs });
  const url = await mock.listen(args.port, args.host).catch((error: unknown) => {
    throw toListenError(error, "the mock upstream", args.host, args.port);
  });
  process.stdout.write(`mock upstream listening on ${url} (latency ${args.latencyMs} ms, chunk delay ${args.chunkDelayMs} ms)\n`);
  const stop = (): void => {
    void mock.close().finally(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
