/**
 * Adds snapshots of several processes into one (cluster scrapes): counters add, histograms add
 * bucket by bucket (every process declares the same boundaries, from one catalogue), gauges
 * add or take the maximum as the catalogue says. `retain` keeps only what stays true after a
 * process exits: counters and histograms (cumulative), never gauges (a value of now).
 */
import type { AttributeValues, HistogramValue, InstrumentSpec, SeriesSnapshot, StoreSnapshot } from "./metric-store.ts";

function keyOf(attributes: AttributeValues): string {
  let key = "";
  for (const name of Object.keys(attributes).sort()) key += `${name}\u0001${String(attributes[name])}\u0002`;
  return key;
}

function isHistogram(value: number | HistogramValue): value is HistogramValue {
  return typeof value === "object";
}

function addHistogram(into: HistogramValue, from: HistogramValue): void {
  if (into.counts.length !== from.counts.length) return; // never happens with one catalogue; refuse to corrupt
  for (let i = 0; i < from.counts.length; i++) into.counts[i]! += from.counts[i]!;
  into.sum += from.sum;
  into.count += from.count;
  into.min = Math.min(into.min, from.min);
  into.max = Math.max(into.max, from.max);
}

function copy(value: number | HistogramValue): number | HistogramValue {
  return isHistogram(value) ? { counts: value.counts.slice(), sum: value.sum, count: value.count, min: value.min, max: value.max } : value;
}

/** Whether an instrument's values stay meaningful after its process exits. */
export function isCumulative(spec: InstrumentSpec | undefined): boolean {
  return spec !== undefined && spec.kind !== "gauge";
}

export interface MergeOptions {
  /** Keep only cumulative instruments (what an exited worker leaves behind). */
  readonly cumulativeOnly?: boolean;
}

export function mergeSnapshots(specs: readonly InstrumentSpec[], parts: readonly StoreSnapshot[], options: MergeOptions = {}): StoreSnapshot {
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  const merged = new Map<string, Map<string, { attributes: AttributeValues; value: number | HistogramValue }>>();
  for (const part of parts) {
    for (const [name, points] of Object.entries(part.series)) {
      const spec = byName.get(name);
      if (spec === undefined) continue; // another version's instrument: never serve what the catalogue does not declare
      if (options.cumulativeOnly === true && !isCumulative(spec)) continue;
      let series = merged.get(name);
      if (series === undefined) merged.set(name, (series = new Map()));
      for (const point of points) {
        const key = keyOf(point.attributes);
        const existing = series.get(key);
        if (existing === undefined) {
          series.set(key, { attributes: point.attributes, value: copy(point.value) });
        } else if (isHistogram(existing.value) && isHistogram(point.value)) {
          addHistogram(existing.value, point.value);
        } else if (typeof existing.value === "number" && typeof point.value === "number") {
          existing.value = spec.kind === "gauge" && spec.merge === "max" ? Math.max(existing.value, point.value) : existing.value + point.value;
        }
      }
    }
  }
  const series: Record<string, SeriesSnapshot[]> = {};
  for (const [name, points] of merged) series[name] = [...points.values()];
  return { series };
}
