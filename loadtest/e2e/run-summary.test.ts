/**
 * The summary lines pharos-load prints after Locust's tables, read from the CLI's stderr: the
 * stream metrics of a streaming run (output tokens from `usage`, tokens/s, TTFT) and the open
 * model's intended/sent/late/dropped counts. The scripted server's delays are wall time, so lower
 * bounds are exact; upper bounds are generous for a shared 2-core machine.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatStreamFrames, ScriptedServer } from "./support/scripted-server.ts";
import { removeTempDirs, runHarness, STREAMING_CHAT_SCENARIO, tempDir, writeScenario } from "./support/run-harness.ts";
import type { HarnessRun } from "./support/run-harness.ts";

const PIECES = ["Hello", " there", ",", " friend"];
const HEADER_DELAY_MS = 15;
const FRAME_DELAY_MS = 4;
const SLOW_MS = 300;

const SLOW = "users: [{ name: U, tasks: [{ method: GET, path: /slow }] }]\n";

const server = new ScriptedServer((request) =>
  request.url === "/slow" ? { delayMs: SLOW_MS } : { delayMs: HEADER_DELAY_MS, frames: chatStreamFrames(PIECES), frameDelayMs: FRAME_DELAY_MS },
);
let url = "";
let dir = "";

beforeAll(async () => {
  url = await server.listen();
  dir = tempDir();
  writeScenario(dir, "stream.yaml", STREAMING_CHAT_SCENARIO);
  writeScenario(dir, "slow.yaml", SLOW);
});

afterAll(async () => {
  await server.close();
  removeTempDirs();
});

function match(text: string, pattern: RegExp): RegExpExecArray {
  const found = pattern.exec(text);
  if (found === null) throw new Error(`no line matching ${pattern} in:\n${text}`);
  return found;
}

/** The run's duration as the summary prints it (`Load: ...; 2.0 s`), one decimal. */
function loadSeconds(run: HarnessRun): number {
  return Number(match(run.stderr, /^Load: .*; ([\d.]+) s$/m)[1]);
}

/** One row of the HDR latency table: count, avg, p50. */
function hdrRow(run: HarnessRun, label: string): { count: number; avg: number; p50: number } {
  const escaped = label.replace(/[()]/g, "\\$&");
  const [, count, avg, p50] = match(run.stderr, new RegExp(`^${escaped}\\s+(\\d+)\\s+([\\d.]+)\\s+([\\d.]+)`, "m"));
  return { count: Number(count), avg: Number(avg), p50: Number(p50) };
}

describe("streaming summary", () => {
  it("counts output tokens from usage and prints tokens/s over the run, with TTFT from the first content event", async () => {
    const run = await runHarness(["-f", "stream.yaml", "-H", url, "-u", "2", "-r", "2", "-t", "2", "--only-summary", "--json"], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const [chat] = JSON.parse(run.stdout) as Array<{ name: string; num_requests: number; num_failures: number }>;
    expect(chat).toMatchObject({ name: "/v1/chat/completions", num_failures: 0 });
    const streamed = chat?.num_requests ?? 0;
    expect(streamed).toBeGreaterThan(5);

    const [, responses, tokens, perSecond] = match(run.stderr, /^Streaming: (\d+) streamed responses, (\d+) output tokens \(usage\), ([\d.]+) output tokens\/s$/m);
    // every response streamed and carried usage.completion_tokens = 4
    expect(Number(responses)).toBe(streamed);
    expect(Number(tokens)).toBe(streamed * PIECES.length);
    // tokens / duration, both printed with one decimal
    const seconds = loadSeconds(run);
    expect(Number(perSecond)).toBeGreaterThanOrEqual(Number(tokens) / (seconds + 0.05) - 0.05);
    expect(Number(perSecond)).toBeLessThanOrEqual(Number(tokens) / (seconds - 0.05) + 0.05);

    // the first content event ("Hello") leaves the server one frame after the role-only chunk
    const ttft = hdrRow(run, "time to first token");
    expect(ttft.count).toBe(streamed);
    expect(ttft.p50).toBeGreaterThanOrEqual(HEADER_DELAY_MS + FRAME_DELAY_MS);
    expect(ttft.p50).toBeLessThan(HEADER_DELAY_MS + FRAME_DELAY_MS + 100);
    expect(hdrRow(run, "time per output token").count).toBe(streamed);
  }, 20_000);
});

describe("open-model summary", () => {
  it("prints intended, sent, late and dropped sends, consistent with each other and the rate", async () => {
    // capacity: 4 in flight / 300 ms ≈ 13 req/s, offered 50 req/s: most sends are dropped
    const run = await runHarness(["-f", "slow.yaml", "-H", url, "--rate", "50", "--max-in-flight", "4", "--max-lateness", "200ms", "-t", "2", "--only-summary"], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^Load: open model: 50 requests\/s, constant arrivals, at most 4 in flight, drop after 200 ms late; [\d.]+ s$/m);
    const [, intended, sent, late, dropped, share] = match(run.stderr, /^Open model: (\d+) intended, (\d+) sent, (\d+) late \(> 10 ms\), (\d+) dropped \(([\d.]+)%\)$/m).map(Number);
    expect((sent ?? 0) + (dropped ?? 0)).toBe(intended);
    expect(Math.abs((intended ?? 0) - 50 * loadSeconds(run))).toBeLessThanOrEqual(3);
    expect(dropped).toBeGreaterThan((intended ?? 0) / 2);
    expect(late).toBeGreaterThan(0);
    expect(share?.toFixed(2)).toBe((((dropped ?? 0) / (intended ?? 1)) * 100).toFixed(2));

    // every sent request was recorded or cut off at the stop (and said so)
    const actual = hdrRow(run, "request (from actual send)");
    const cutOff = Number(/^(\d+) requests were still in flight at the stop/m.exec(run.stderr)?.[1] ?? "0");
    expect(actual.count + cutOff).toBe(sent);
    // the server's 300 ms is the floor of the uncorrected latency; the corrected one adds the wait for a slot
    expect(actual.p50).toBeGreaterThanOrEqual(SLOW_MS);
    expect(actual.p50).toBeLessThan(SLOW_MS + 200);
    const intendedRow = hdrRow(run, "request (from intended send)");
    expect(intendedRow.count).toBe(actual.count);
    expect(intendedRow.p50).toBeGreaterThan(actual.p50);
    expect(hdrRow(run, "send lateness").count).toBe(sent);
  }, 20_000);
});
