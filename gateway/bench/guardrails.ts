/**
 * Guardrails benchmark (`npm run build && node dist/gateway/bench/guardrails.js`):
 *
 *   accuracy   PromptInjection's precision and recall on the shipped labelled sets
 *   input      the whole input stage (selection, text extraction, every input scanner of the
 *              seed's llm_guard block) on the shipped ~4 KB prompts, per call: p50, p90, p99 and
 *              mean CPU; and each scanner alone
 *   stream     output scanning of a streamed answer (all five seed output scanners), per chunk
 *   e2e        Pharos with and without guardrails side by side (interleaved rounds, one
 *              keep-alive connection, a 4 KB prompt): the added latency at p50
 *
 * Flags: --iterations 20000 --rounds 8 --per-round 150 --skip-e2e --json FILE
 * Timing never decides a test; this prints numbers for docs/guardrails.md.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { pino } from "pino";
import { parseConfigText } from "../src/config/load.ts";
import { createGuardrails } from "../src/guardrails/guardrails.ts";
import type { Guardrails } from "../src/guardrails/guardrails.ts";
import { ScanText } from "../src/guardrails/scanner.ts";
import { DEFAULT_INJECTION_THRESHOLD, detectionQuality, InjectionDetector } from "../src/guardrails/scanners/prompt-injection.ts";
import { indexWords } from "../src/guardrails/word-index.ts";
import { NO_GATEWAY_PARAMS } from "../src/http/gateway-params.ts";
import type { ChatCompletionChunk, ChatRequest } from "../src/providers/openai-types.ts";
import type { StreamEvent } from "../src/providers/provider.ts";
import { newRequestState } from "../src/request-state.ts";
import type { PharosContext } from "../src/request-state.ts";
import { interleaved, percentile } from "./measure.ts";
import { startMock, startPharos } from "./processes.ts";
import type { Target } from "./processes.ts";

const { values } = parseArgs({
  options: {
    iterations: { type: "string", default: "20000" },
    rounds: { type: "string", default: "8" },
    "per-round": { type: "string", default: "150" },
    "skip-e2e": { type: "boolean", default: false },
    json: { type: "string" },
  },
});
const iterations = Number(values.iterations);

/** The shipped test data, found from the compiled file (dist/gateway/bench) or the source. */
const FIXTURES = resolve(import.meta.dirname, import.meta.dirname.includes(`${join("dist", "gateway")}`) ? "../../../gateway/test/fixtures/guardrails" : "../test/fixtures/guardrails");

interface Prompt {
  readonly name: string;
  readonly messages: Array<{ role: string; content: string }>;
}

const PROMPTS = (JSON.parse(readFileSync(join(FIXTURES, "prompts-4k.json"), "utf8")) as { prompts: Prompt[] }).prompts;

const SEED_BLOCK = `llm_guard:
  enabled: true
  input_scanning:
    enabled: true
    scanners:
      - BanSubstrings:
          substrings: [project nightingale, acme internal, codename zephyr, q3 forecast draft, do not distribute, confidential roadmap, salary bands, merger talks, board minutes, unreleased sku]
      - PromptInjection
      - Toxicity
      - Secrets
      - TokenLimit
  output_scanning:
    enabled: true
    scanners:
      - BanSubstrings:
          substrings: [project nightingale, acme internal, codename zephyr]
      - Toxicity
      - MaliciousURLs
      - NoRefusal
      - NoCode
  multilingual_errors: true
`;

const MODEL_LIST = (upstream: string): string => `model_list:
  - model_name: fake-openai-endpoint
    litellm_params:
      model: openai/gpt-4o-mini
      api_base: ${upstream}/v1
      api_key: fake-key
`;


const lines: string[] = [];
const say = (line = ""): void => {
  lines.push(line);
  process.stdout.write(`${line}\n`);
};
const us = (ms: number): string => `${(ms * 1000).toFixed(1)} µs`;

function context(): PharosContext {
  const state = newRequestState("bench", performance.now());
  return { state, get: () => "" } as unknown as PharosContext;
}

interface Distribution {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  /** Mean CPU (user + system) per call, ms. */
  readonly cpuMean: number;
}

/** Times `fn` per call (after a warm-up): percentiles of wall time, and mean CPU time. */
function distribution(count: number, fn: (i: number) => void): Distribution {
  for (let i = 0; i < Math.min(2000, count); i++) fn(i);
  const samples = new Float64Array(count);
  const cpu = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    fn(i);
    samples[i] = performance.now() - started;
  }
  const used = process.cpuUsage(cpu);
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), cpuMean: (used.user + used.system) / 1000 / count };
}

function seedGuardrails(): Guardrails {
  const loaded = parseConfigText(MODEL_LIST("http://127.0.0.1:9") + SEED_BLOCK, "bench", {});
  return createGuardrails(loaded.config, { logger: pino({ level: "silent" }) })!;
}

// -- accuracy -------------------------------------------------------------------------------------

function accuracy(): Record<string, unknown> {
  const detector = new InjectionDetector();
  const out: Record<string, unknown> = {};
  say(`PromptInjection at threshold ${DEFAULT_INJECTION_THRESHOLD}`);
  for (const set of ["dev", "heldout"]) {
    const rows = readFileSync(join(FIXTURES, `prompt-injection.${set}.jsonl`), "utf8")
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => JSON.parse(line) as { label: number; text: string });
    const { tp, fp, fn, precision, recall } = detectionQuality(detector, rows);
    out[set] = { n: rows.length, positives: tp + fn, precision, recall, tp, fp, fn };
    say(`  ${set.padEnd(8)} n=${rows.length} (${tp + fn} injections)  precision ${precision.toFixed(3)}  recall ${recall.toFixed(3)}  (tp ${tp}, fp ${fp}, fn ${fn})`);
  }
  return out;
}

// -- input stage ----------------------------------------------------------------------------------

function inputStage(): Record<string, unknown> {
  const guardrails = seedGuardrails();
  const out: Record<string, unknown> = {};
  say(`Input stage, all five seed input scanners on, ${iterations} calls per prompt`);
  for (const prompt of PROMPTS) {
    const bytes = prompt.messages.reduce((sum, message) => sum + Buffer.byteLength(message.content), 0);
    const bodies: ChatRequest[] = Array.from({ length: 64 }, () => ({ model: "fake-openai-endpoint", messages: prompt.messages.map((message) => ({ ...message })) }));
    let blocked = 0;
    const whole = distribution(iterations, (i) => {
      try {
        guardrails.checkInput(context(), "chat", bodies[i & 63]!, NO_GATEWAY_PARAMS, "openai/gpt-4o-mini");
      } catch {
        // A deadline miss on an overloaded host (the prompts themselves are clean): counted.
        blocked++;
      }
    });
    out[prompt.name] = { bytes, blocked, ...whole };
    say(`  ${prompt.name.padEnd(22)} ${String(bytes).padStart(5)} B   p50 ${us(whole.p50)}   p90 ${us(whole.p90)}   p99 ${us(whole.p99)}   mean CPU ${us(whole.cpuMean)}${blocked > 0 ? `   (${blocked} blocked)` : ""}`);
  }
  // Each scanner alone on the first prompt (the word index is built once per text and shared).
  const prompt = PROMPTS[0]!;
  const conversation = prompt.messages.filter((message) => message.role !== "system").map((message) => message.content).join("\n");
  say(`  per scanner on ${prompt.name} (fresh text each call; the word index counted separately):`);
  const index = distribution(iterations, () => indexWords(new ScanText(conversation).lower));
  say(`    ${"word index".padEnd(18)} p50 ${us(index.p50)}   mean CPU ${us(index.cpuMean)}`);
  const perScanner: Record<string, unknown> = { word_index: index };
  for (const scanner of guardrails.catalog.defaults.input) {
    const texts = Array.from({ length: 64 }, () => new ScanText(conversation, 0, "openai/gpt-4o-mini", prompt.messages.length));
    for (const text of texts) void text.words;
    const one = distribution(iterations, (i) => {
      scanner.scan(texts[i & 63]!);
    });
    perScanner[scanner.name] = one;
    say(`    ${scanner.name.padEnd(18)} p50 ${us(one.p50)}   mean CPU ${us(one.cpuMean)}`);
  }
  out["per_scanner"] = perScanner;
  return out;
}

// -- output stream --------------------------------------------------------------------------------

const ANSWER = `Great question! Lighthouses were kept by keepers who lived on site, trimmed the wicks and wound the clockwork that turned the lens. The Fresnel lens, introduced in the 1820s, concentrated the light so that it could be seen more than twenty nautical miles away. Today most lights are automated and monitored remotely; the keepers' houses have often become museums or holiday rentals. If you want to visit one, the national lighthouse society keeps a list at https://www.lighthousefriends.com/ with opening hours and directions. Many lights also take part in open days in August, when you can climb the tower and see the lens up close. Bring a jacket: even in summer the gallery at the top is windy, and the stairs can be steep and narrow. `.repeat(3);

function chunkOf(content: string): StreamEvent {
  const chunk: ChatCompletionChunk = { id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content }, finish_reason: null }] };
  return { chunk, raw: JSON.stringify(chunk) };
}

function streamStage(): Record<string, unknown> {
  const guardrails = seedGuardrails();
  const pieces = ANSWER.match(/\s*\S+/g) ?? [];
  const events = pieces.map(chunkOf);
  const streams = Math.max(1, Math.floor(iterations / pieces.length));
  const samples: number[] = [];
  const cpu = process.cpuUsage();
  for (let s = 0; s < streams + 5; s++) {
    const guard = guardrails.checkInput(context(), "chat", { model: "m", messages: [{ role: "user", content: "tell me about lighthouses" }] }, NO_GATEWAY_PARAMS, undefined)!.stream();
    for (const event of events) {
      const started = performance.now();
      const result = guard.filter([event]);
      if (s >= 5) samples.push(performance.now() - started);
      if (result.block !== undefined) throw new Error("the benchmark answer was blocked");
    }
  }
  const used = process.cpuUsage(cpu);
  const sorted = samples.sort((a, b) => a - b);
  const result = { chunks: pieces.length, streams, p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), cpuMean: (used.user + used.system) / 1000 / ((streams + 5) * pieces.length) };
  say(`Stream output scanning, five seed output scanners, ${pieces.length} chunks × ${streams} streams (window ${guardrails.settings.streamWindowChars} chars)`);
  say(`  per chunk   p50 ${us(result.p50)}   p90 ${us(result.p90)}   p99 ${us(result.p99)}   mean CPU ${us(result.cpuMean)}`);
  return result;
}

// -- end to end -----------------------------------------------------------------------------------

async function endToEnd(): Promise<Record<string, unknown>> {
  const rounds = Number(values.rounds);
  const perRound = Number(values["per-round"]);
  const started: Target[] = [];
  try {
    const mock = await startMock();
    started.push(mock);
    const base = `${MODEL_LIST(mock.url)}general_settings:\n  master_key: sk-bench\n`;
    const off = await startPharos("guardrails off", base);
    started.push(off);
    const input = await startPharos("input scanners", `${base}${SEED_BLOCK.slice(0, SEED_BLOCK.indexOf("  output_scanning:"))}`);
    started.push(input);
    const all = await startPharos("input + output", `${base}${SEED_BLOCK}`);
    started.push(all);
    const prompt = PROMPTS[0]!;
    const body = JSON.stringify({ model: "fake-openai-endpoint", messages: prompt.messages });
    const spec = { path: "/v1/chat/completions", body, headers: { "content-type": "application/json", authorization: "Bearer sk-bench" } };
    const results = await interleaved([off, input, all], spec, rounds, perRound);
    const base50 = results.get(off.name)!.p50;
    say(`End to end, ${prompt.name} (${Buffer.byteLength(body)} B body), ${rounds} interleaved rounds × ${perRound} sequential requests, one keep-alive connection`);
    const out: Record<string, unknown> = {};
    for (const target of [off, input, all]) {
      const result = results.get(target.name)!;
      out[target.name] = result;
      const added = target === off ? "" : `   added at p50 ${((result.p50 - base50) * 1000).toFixed(0)} µs`;
      say(`  ${target.name.padEnd(16)} p50 ${result.p50.toFixed(3)} ms   p99 ${result.p99.toFixed(3)} ms${added}`);
    }
    return out;
  } finally {
    await Promise.all(started.map((target) => target.stop()));
  }
}

async function main(): Promise<void> {
  say(`Pharos guardrails benchmark — ${new Date().toISOString()}, Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}`);
  say();
  const report: Record<string, unknown> = { accuracy: accuracy() };
  say();
  report["input"] = inputStage();
  say();
  report["stream"] = streamStage();
  if (!values["skip-e2e"]) {
    say();
    report["e2e"] = await endToEnd();
  }
  if (values.json !== undefined) writeFileSync(values.json, JSON.stringify({ lines, report }, null, 2));
}

await main();
