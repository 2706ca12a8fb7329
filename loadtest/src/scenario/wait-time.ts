/**
 * Locust's wait_time functions, written as in a locustfile: `between(0.5, 1)`, `constant(2)`,
 * `constant_throughput(0.5)` (task runs per second per user) and `constant_pacing(3)`.
 */
import type { Random } from "./random.ts";

export type WaitTime =
  | { readonly kind: "between"; readonly min: number; readonly max: number }
  | { readonly kind: "constant"; readonly seconds: number }
  | { readonly kind: "pacing"; readonly periodSeconds: number };

const FORM = /^\s*(between|constant|constant_throughput|constant_pacing)\s*\(\s*([^)]*)\)\s*$/;

function numbers(text: string): number[] {
  if (text.trim() === "") return [];
  return text.split(",").map((part) => (/^\s*\d+(\.\d+)?\s*$/.test(part) ? Number(part) : Number.NaN));
}

/** Parses a wait_time expression; throws an Error whose message says what is accepted. */
export function parseWaitTime(text: string): WaitTime {
  const match = FORM.exec(text);
  const args = match === null ? [] : numbers(match[2] ?? "");
  const bad = (): Error =>
    new Error(`invalid wait_time ${JSON.stringify(text)}: use between(MIN, MAX), constant(S), constant_throughput(RUNS_PER_S) or constant_pacing(S) with non-negative numbers`);
  if (match === null || args.some(Number.isNaN)) throw bad();
  const [first, second] = args;
  switch (match[1]) {
    case "between":
      if (args.length !== 2 || first === undefined || second === undefined || second < first) throw bad();
      return { kind: "between", min: first, max: second };
    case "constant":
      if (args.length !== 1 || first === undefined) throw bad();
      return { kind: "constant", seconds: first };
    case "constant_throughput":
      if (args.length !== 1 || first === undefined || first <= 0) throw bad();
      return { kind: "pacing", periodSeconds: 1 / first };
    default:
      if (args.length !== 1 || first === undefined) throw bad();
      return { kind: "pacing", periodSeconds: first };
  }
}

/** Seconds to sleep after a task that took `taskSeconds`. */
export function nextWaitSeconds(wait: WaitTime, random: Random, taskSeconds: number): number {
  switch (wait.kind) {
    case "between":
      return wait.min + random() * (wait.max - wait.min);
    case "constant":
      return wait.seconds;
    case "pacing":
      return Math.max(0, wait.periodSeconds - taskSeconds);
  }
}

/** The mean think time, for offered-load estimates (pacing: unknown without the task time, so 0). */
export function meanWaitSeconds(wait: WaitTime): number {
  if (wait.kind === "between") return (wait.min + wait.max) / 2;
  return wait.kind === "constant" ? wait.seconds : 0;
}
