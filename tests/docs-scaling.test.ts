/**
 * docs/scaling.md: the figures the text derives (planning rule, phase 2 ceiling, the Kubernetes
 * HPA's per-pod rates, stream costs, streams in flight) agree with the measured table they come
 * from, and the Kubernetes targets the text cites are the ones deploy/k8s sets. When the table is
 * re-measured, this test names every sentence left stale.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ROOT } from "./support/gateway-process.ts";

const DOC = readFileSync(join(ROOT, "docs/scaling.md"), "utf8");
/** The text with line breaks folded, so a sentence can be matched across wrapped lines. */
const TEXT = DOC.replace(/\s+/g, " ");

const number = (text: string): number => Number(text.replace(/,/g, ""));
const roundTo = (value: number, step: number): number => Math.round(value / step) * step;

/** One cell list of the measured table, by the start of its workload cell. */
function row(workload: string): string[] {
  const line = DOC.split("\n").find((candidate) => candidate.startsWith(`| ${workload}`));
  if (line === undefined) throw new Error(`docs/scaling.md: no table row "${workload}"`);
  return line.split("|").slice(1, -1).map((cell) => cell.trim());
}

/** The first match of `pattern` in the folded text, its groups as numbers. */
function figures(pattern: RegExp): number[] {
  const found = pattern.exec(TEXT);
  if (found === null) throw new Error(`docs/scaling.md: nothing matches ${pattern}`);
  return found.slice(1).map(number);
}

const chat = row("chat, non-streaming, via an upstream");
const edge = row("the same through nginx");
const inProcess = row("chat answered in-process");
const streams = row("streams of 20 chunks");

const chatCpuMs = figures(/\| chat, non-streaming, via an upstream \([^)]*\) \| ([\d.]+) ms \|/)[0]!;
const chatPerCore = number(/≈ ([\d,]+) req\/s/.exec(chat[2]!)![1]!);
const streamCpuMs = number(/^([\d.]+) ms per stream/.exec(streams[1]!)![1]!);
const streamChunks = number(/^streams of (\d+) chunks/.exec(streams[0]!)![1]!);
const streamsPerCore = number(/≈ ([\d,]+) streams\/s/.exec(streams[2]!)![1]!);
const streamSeconds = number(/p50 ([\d.]+) s per stream/.exec(streams[3]!)![1]!);
const planShare = figures(/Plan gateway CPU at ≤ (\d+) %/)[0]! / 100;
const hpaShare = figures(/\*\*CPU at (\d+) %\*\*/)[0]! / 100;

describe("docs/scaling.md: derived figures agree with the measured table", () => {
  it("per core is 1 / CPU per request in every row (rounded to 100)", () => {
    expect(chatPerCore).toBe(roundTo(1000 / chatCpuMs, 100));
    const nginxCpuMs = number(/\+ nginx ([\d.]+) ms/.exec(edge[1]!)![1]!);
    expect(number(/nginx ≈ ([\d,]+) req\/s per core/.exec(edge[2]!)![1]!)).toBe(roundTo(1000 / nginxCpuMs, 100));
    expect(number(/≈ ([\d,]+) req\/s/.exec(inProcess[2]!)![1]!)).toBe(roundTo(1000 / number(/^([\d.]+) ms/.exec(inProcess[1]!)![1]!), 100));
    expect(streamsPerCore).toBe(roundTo(1000 / streamCpuMs, 100));
  });

  it("a stream is the non-streaming request's CPU plus a per-chunk cost that adds up to the measured stream", () => {
    const perChunk = (streamCpuMs - chatCpuMs) / streamChunks;
    const [tableBase, tablePerChunk] = figures(/per stream \(([\d.]+) ms \+ ≈ ([\d.]+) ms per chunk\)/);
    expect(tableBase).toBe(chatCpuMs);
    expect(tablePerChunk).toBeCloseTo(perChunk, 3);
    const [ruleBase, rulePerChunk] = figures(/for streams `([\d.]+) ms \+ ([\d.]+) ms × chunks`/);
    expect(ruleBase).toBe(chatCpuMs);
    expect(rulePerChunk).toBeCloseTo(perChunk, 3);
    // The worked example: a 500-token stream (a chunk per token) and how many a core serves at the planned share.
    const [tokens, exampleMs, examplePerSecond] = figures(/a (\d+)-token stream ≈ (\d+) ms of CPU, so ~(\d+) such streams\/s per core/);
    const cost = chatCpuMs + perChunk * tokens!;
    expect(exampleMs).toBe(Math.round(cost));
    expect(examplePerSecond).toBe(Math.floor((planShare * 1000) / cost));
  });

  it("the planning rule, the phase 2 ceiling and the HPA's per-pod rate follow from the per-core figure", () => {
    const planned = roundTo(planShare * chatPerCore, 100);
    expect(figures(/~([\d,]+) non-streaming requests\/s per core/)[0]).toBe(planned);
    const workers = figures(/`NUM_WORKERS=(\d+)` \(one per vCPU\)/)[0]!;
    expect(figures(/Gateway CPU ceiling ≈ (\d+) × ([\d,]+) = ([\d,]+) req\/s planned/)).toEqual([workers, planned, workers * planned]);
    const podCpus = figures(/pods of (\d+) CPU/)[0]!;
    const perCoreAtTarget = hpaShare * chatPerCore;
    const [pods, perCore, perPod] = figures(/≈ (\d+) × ([\d,]+) ≈ ([\d,]+) req\/s per pod/);
    expect([pods, perCore, perPod]).toEqual([podCpus, Math.round(perCoreAtTarget), roundTo(podCpus * perCoreAtTarget, 100)]);
    expect(TEXT).toContain(`${Math.round(hpaShare * 100)} % of ${chat[2]!.replace(/\*|≈ /g, "")} per core`);
  });

  it("streams in flight per core is streams/s × their duration (Little's law), and every per-stream memory figure is the same", () => {
    const [inFlight, perSecond, seconds] = figures(/~([\d,]+) short streams in flight per core CPU would allow \(≈ ([\d,]+) streams\/s × ([\d.]+) s each\)/);
    expect([perSecond, seconds]).toEqual([streamsPerCore, streamSeconds]);
    expect(inFlight).toBe(roundTo(streamsPerCore * streamSeconds, 10));
    const perStream = [...TEXT.matchAll(/~(\d+) MiB per stream/g)].map((match) => Number(match[1]));
    expect(perStream.length).toBeGreaterThanOrEqual(2);
    expect(new Set(perStream).size, `MiB per stream: ${perStream.join(", ")}`).toBe(1);
  });

  it("cites the Kubernetes targets deploy/k8s sets, and the in-flight target fits the pod's memory limit", () => {
    const hpa = parse(readFileSync(join(ROOT, "deploy/k8s/base/hpa.yaml"), "utf8")) as {
      spec: { minReplicas: number; maxReplicas: number; metrics: { resource?: { target: { averageUtilization: number } }; pods?: { target: { averageValue: string } } }[] };
    };
    expect(hpa.spec.metrics.find((metric) => metric.resource !== undefined)?.resource?.target.averageUtilization).toBe(hpaShare * 100);
    const inFlightTarget = Number(hpa.spec.metrics.find((metric) => metric.pods !== undefined)?.pods?.target.averageValue);
    expect(figures(/`pharos_requests_in_flight` at (\d+) per pod/)[0]).toBe(inFlightTarget);
    expect(figures(/autoscaled between (\d+) and (\d+) replicas/)).toEqual([hpa.spec.minReplicas, hpa.spec.maxReplicas]);
    const deployment = readFileSync(join(ROOT, "deploy/k8s/base/deployment.yaml"), "utf8");
    const limitGi = Number(/limits:\s*\n\s*memory: (\d+)Gi/.exec(deployment)?.[1]);
    expect(figures(/inside the (\d+) GiB limit/)[0]).toBe(limitGi);
    const [instanceMiB, extraWorkerMiB] = figures(/~(\d+) MiB per instance \(primary \+ one worker\) and ~(\d+) MiB per extra worker/);
    const workers = Number(/NUM_WORKERS=(\d+)/.exec(readFileSync(join(ROOT, "deploy/k8s/base/kustomization.yaml"), "utf8"))?.[1]);
    const podBaseMiB = instanceMiB! + (workers - 1) * extraWorkerMiB!;
    expect(figures(/on top of ~(\d+) MiB for the primary and (\d+) workers/)).toEqual([podBaseMiB, workers]);
    const perStreamMiB = figures(/~(\d+) MiB per stream/)[0]!;
    expect(podBaseMiB + inFlightTarget * perStreamMiB).toBeLessThan(limitGi * 1024 * 0.5);
  });
});
