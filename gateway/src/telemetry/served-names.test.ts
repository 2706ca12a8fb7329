/**
 * Every instrument of the catalogue, with a value, as the exporter serves it: the names are the
 * ones docs/metrics.md documents, and promtool accepts the whole exposition.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { metricsOnlyTelemetry } from "./gateway-telemetry.ts";
import { MetricStore } from "./metric-store.ts";
import type { InstrumentSpec } from "./metric-store.ts";
import { CATALOGUE, PharosMetrics } from "./metrics.ts";

const DOCS = readFileSync(resolve(import.meta.dirname, "../../../docs/metrics.md"), "utf8");

async function fullScrape(): Promise<string> {
  const metrics = new PharosMetrics(new MetricStore());
  const values = (spec: InstrumentSpec): string[] => spec.attributes.map((key) => `${key.split(".").at(-1)}-value`);
  metrics.store.addCollector(() => {
    for (const [key, spec] of Object.entries(CATALOGUE) as [keyof typeof CATALOGUE, InstrumentSpec][]) {
      if (spec.kind === "gauge" || spec.kind === "observed_counter") (metrics.i[key] as { observe(value: number, ...labels: string[]): void }).observe(1, ...values(spec));
    }
  });
  for (const [key, spec] of Object.entries(CATALOGUE) as [keyof typeof CATALOGUE, InstrumentSpec][]) {
    if (spec.kind === "counter") (metrics.i[key] as { add(value: number, ...labels: string[]): void }).add(1, ...values(spec));
    if (spec.kind === "histogram") (metrics.i[key] as { record(value: number, ...labels: string[]): void }).record(0.5, ...values(spec));
  }
  return metricsOnlyTelemetry(metrics).scrape();
}

describe("the served exposition", () => {
  it("serves every instrument under the name docs/metrics.md documents", async () => {
    const text = await fullScrape();
    const served = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((match) => match[1]!).filter((name) => name !== "target_info");
    expect(served).toHaveLength(Object.keys(CATALOGUE).length);
    for (const name of served) expect(DOCS.includes(`\`${name}\``), `${name} missing from docs/metrics.md`).toBe(true);
  });

  it("passes promtool check metrics with every family present", async () => {
    const result = spawnSync("promtool", ["check", "metrics"], { input: await fullScrape(), encoding: "utf8" });
    if (result.error !== undefined) throw new Error(`promtool is not installed (Debian: apt-get install -y prometheus): ${result.error.message}`);
    expect(`${result.stdout}${result.stderr}`.trim()).toBe("");
    expect(result.status).toBe(0);
  });
});
