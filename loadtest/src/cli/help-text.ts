/** --help output, generated from the flag tables. */
import { BUILTIN_SCENARIOS } from "../scenario/load-scenario.ts";
import type { FlagSpec } from "./flag-spec.ts";

function flagLine(spec: FlagSpec): string {
  const names = `${spec.short === undefined ? "    " : `-${spec.short}, `}--${spec.name}${spec.metavar === undefined ? "" : ` ${spec.metavar}`}`;
  const env = spec.env === undefined ? "" : ` [${spec.env}]`;
  return `  ${names.padEnd(34)} ${spec.help}${env}`;
}

const USAGE: Readonly<Record<string, string>> = {
  run: "Usage: pharos-load [options] [UserClass ...]\n\nA Locust-compatible load harness for OpenAI-compatible endpoints (docs/loadtest.md).",
  replay:
    "Usage: pharos-load replay -H URL [options]\n\nReplays LiteLLM's published benchmark (seed 003: litellm-benchmark, 1000 users, spawn 500/s, 5 min) scaled by\n-u/-r/-t (defaults 50 users, 25/s, 30s) and prints its table next to the published figures.\nChecks first that a gateway answers GET URL/health/readiness (2 s timeout); exit 2 if none does.",
  compare:
    "Usage: pharos-load compare --a URL --b URL [options]\n\nRuns one scenario against two targets in interleaved slices (A B B A ...) and reports B/A ratios with their spread,\nand each side's failure rate. Exit codes: 0 ok, 1 a side failed more than --max-fail-rate, 2 usage error.",
};

export function helpText(command: "run" | "replay" | "compare", specs: readonly FlagSpec[]): string {
  const lines = [USAGE[command] ?? "", "", "Options:", ...specs.map(flagLine)];
  if (command === "run") {
    lines.push(
      "",
      "Commands: pharos-load replay ... | pharos-load compare ... (see their --help)",
      `Built-in scenarios (-f): ${BUILTIN_SCENARIOS.join(", ")}`,
      "Options may also be set in ~/.locust.conf, ./locust.conf or --config FILE (key = value); precedence: file < environment < command line.",
      "Exit codes: 0 ok, 1 (--exit-code-on-error) requests failed, 2 usage or scenario error, 99 a threshold failed.",
    );
  }
  return `${lines.join("\n")}\n`;
}
