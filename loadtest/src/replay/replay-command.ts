/**
 * `pharos-load replay`: the seed benchmark (litellm-benchmark) run as a normal Locust-style run
 * with scaled-down defaults, after checking that a gateway answers at the target, followed by the
 * seed's table next to the published figures.
 */
import type { CliIo } from "../cli/cli-io.ts";
import { runCommand } from "../cli/run-command.ts";
import type { FinishedRun } from "../cli/run-command.ts";
import type { Logger } from "../report/logger.ts";
import { meanWaitSeconds } from "../scenario/wait-time.ts";
import type { StatsEntry } from "../stats/locust-stats.ts";
import { checkGateway, readinessUrl } from "./gateway-check.ts";
import { replayTable } from "./replay-table.ts";
import { REPLAY_DEFAULTS } from "./seed-benchmark.ts";

function busiest(entries: readonly StatsEntry[]): StatsEntry | undefined {
  return [...entries].sort((a, b) => b.numRequests - a.numRequests)[0];
}

function replayReport(run: FinishedRun): string {
  const { recorder, durationS } = run.result.run;
  const customTypes = new Set(run.scenario.metrics.map((metric) => metric.type));
  const entries = recorder.stats.sortedEntries();
  const request = busiest(entries.filter((entry) => !customTypes.has(entry.method)));
  const overhead = entries.find((entry) => entry.name === "LiteLLM Overhead Duration (ms)" && entry.numRequests > 0);
  const plan = run.options.plan;
  const firstClass = run.scenario.userClasses[0];
  return replayTable({
    figures: {
      medianMs: request?.medianResponseTime.value,
      p95Ms: request?.percentile(0.95),
      p99Ms: request?.percentile(0.99),
      averageMs: request === undefined ? undefined : Math.round(request.avgResponseTime * 100) / 100,
      rps: request === undefined ? undefined : Math.round(request.totalRps * 10) / 10,
      overheadMedianMs: overhead?.medianResponseTime.value,
    },
    overheadHdrP50Ms: recorder.overhead.count > 0 ? recorder.overhead.percentile(50) : undefined,
    users: plan.kind === "closed" ? plan.users : 0,
    spawnRate: plan.kind === "closed" ? plan.spawnRate : 0,
    durationS,
    meanThinkS: firstClass === undefined ? 0 : meanWaitSeconds(firstClass.waitTime),
    host: run.host,
  });
}

/** Fails at once when nothing answers at the target; warns when it answers its readiness check with a 5xx. */
async function gatewayCheck(host: string, log: Logger): Promise<void> {
  const status = await checkGateway(host);
  if (status >= 500) log.warning(`${readinessUrl(host)} answered ${status}: the gateway is up but not ready, requests may fail`);
}

export function replayCommand(argv: readonly string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, { command: "replay", defaults: REPLAY_DEFAULTS, beforeRun: gatewayCheck, afterRun: replayReport });
}
