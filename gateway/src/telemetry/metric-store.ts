/**
 * The plain-JS aggregation behind `metrics.ts`: counters, explicit-bucket histograms and
 * observed gauges, pre-aggregated per attribute set, with attribute objects built once (on a
 * series' first sight) and reused. Recording is a string key, a Map lookup and a few numeric
 * updates; nothing is hashed, validated or copied per call. The OpenTelemetry SDK sees the
 * result only at collection time (`otel.ts` hands a snapshot to the Prometheus reader as a
 * MetricProducer), and snapshots are plain JSON, so cluster workers can send them to the
 * primary, which merges them (`merge.ts`).
 *
 * Guards: attribute keys are fixed per instrument (positional values, no free-form keys), an
 * empty value leaves the attribute out, and each instrument holds at most `cardinalityLimit`
 * series; past it, new attribute sets fold into one `otel.metric.overflow=true` series, as the
 * SDK's own cardinality limit does.
 */

export type InstrumentKind = "counter" | "histogram" | "gauge" | "observed_counter";

export interface InstrumentSpec {
  /** OpenTelemetry name (dots); the Prometheus exporter serves it with `_` and `_total` on counters. */
  readonly name: string;
  readonly kind: InstrumentKind;
  /** UCUM unit (`s`, `By`, `{token}`, `USD`, `1`). Not appended to the Prometheus name. */
  readonly unit: string;
  readonly description: string;
  /** The allowed attribute keys, in the order values are passed when recording. */
  readonly attributes: readonly string[];
  /** Histograms: explicit bucket upper bounds (inclusive), ascending. */
  readonly buckets?: readonly number[];
  /** Gauges: how values from several workers combine on one scrape (default: sum). */
  readonly merge?: "sum" | "max";
  /** At most this many series; further attribute sets fold into the overflow series. */
  readonly cardinalityLimit?: number;
  /** Integer-valued (token counts, connection counts): informative only. */
  readonly integer?: boolean;
}

export interface HistogramValue {
  /** Per-bucket counts (not cumulative); one more than the boundaries (the +Inf bucket). */
  counts: number[];
  sum: number;
  count: number;
  min: number;
  max: number;
}

export type AttributeValues = Readonly<Record<string, string | boolean>>;

export interface SeriesSnapshot {
  readonly attributes: AttributeValues;
  readonly value: number | HistogramValue;
}

/** Every instrument's series at one moment: plain JSON (crosses the cluster IPC channel). */
export interface StoreSnapshot {
  readonly series: Record<string, SeriesSnapshot[]>;
}

export const DEFAULT_CARDINALITY_LIMIT = 2000;
export const OVERFLOW_ATTRIBUTE = "otel.metric.overflow";
const OVERFLOW_ATTRIBUTES: AttributeValues = Object.freeze({ [OVERFLOW_ATTRIBUTE]: true });

interface Series<C> {
  readonly attributes: AttributeValues;
  readonly cell: C;
}

function attributesOf(keys: readonly string[], values: readonly string[]): AttributeValues {
  const attributes: Record<string, string> = {};
  for (let i = 0; i < keys.length; i++) {
    const value = values[i];
    if (value !== undefined && value !== "") attributes[keys[i]!] = value;
  }
  return Object.freeze(attributes);
}

type Level<C> = Map<string, Level<C> | Series<C>>;

/**
 * Series of one instrument, found through one Map per attribute (no key string is built, so
 * recording allocates nothing once a series exists).
 */
abstract class Instrument<C> {
  readonly spec: InstrumentSpec;
  protected readonly series: Series<C>[] = [];
  private readonly root: Level<C> = new Map();
  private readonly arity: number;
  private readonly limit: number;
  private only: Series<C> | undefined;
  private overflow: Series<C> | undefined;

  constructor(spec: InstrumentSpec) {
    this.spec = spec;
    this.arity = spec.attributes.length;
    this.limit = spec.cardinalityLimit ?? DEFAULT_CARDINALITY_LIMIT;
  }

  protected abstract newCell(): C;

  /**
   * The cell for these attribute values (created on first sight, or the overflow cell). The
   * lookup maps only grow when a series is created: once the instrument holds `limit` series, a
   * value missing at any level goes straight to the overflow cell, without a map entry, so a
   * flood of distinct values cannot grow the maps either.
   */
  protected cell(a: string, b: string, c: string, d: string, e: string): C {
    const arity = this.arity;
    if (arity === 0) return (this.only ??= this.newSeries([])).cell;
    let level = this.root;
    let found = level.get(a);
    if (arity > 1) {
      if (found === undefined) {
        if (this.full()) return this.overflowCell();
        level.set(a, (found = new Map()));
      }
      level = found as Level<C>;
      found = level.get(b);
      if (arity > 2) {
        if (found === undefined) {
          if (this.full()) return this.overflowCell();
          level.set(b, (found = new Map()));
        }
        level = found as Level<C>;
        found = level.get(c);
        if (arity > 3) {
          if (found === undefined) {
            if (this.full()) return this.overflowCell();
            level.set(c, (found = new Map()));
          }
          level = found as Level<C>;
          found = level.get(d);
          if (arity > 4) {
            if (found === undefined) {
              if (this.full()) return this.overflowCell();
              level.set(d, (found = new Map()));
            }
            level = found as Level<C>;
            found = level.get(e);
          }
        }
      }
    }
    if (found !== undefined) return (found as Series<C>).cell;
    if (this.full()) return this.overflowCell();
    const series = this.newSeries([a, b, c, d, e]);
    level.set(arity === 1 ? a : arity === 2 ? b : arity === 3 ? c : arity === 4 ? d : e, series);
    return series.cell;
  }

  /** Whether the instrument holds `limit` series (the overflow series included): no new series past it. */
  private full(): boolean {
    return this.series.length >= this.limit;
  }

  /** The one series every attribute set past the limit shares (created on first need). */
  private overflowCell(): C {
    if (this.overflow === undefined) {
      this.overflow = { attributes: OVERFLOW_ATTRIBUTES, cell: this.newCell() };
      this.series.push(this.overflow);
    }
    return this.overflow.cell;
  }

  private newSeries(values: readonly string[]): Series<C> {
    const series: Series<C> = { attributes: attributesOf(this.spec.attributes, values), cell: this.newCell() };
    this.series.push(series);
    return series;
  }

  /** Entries of the lookup maps, every level included (diagnostics and tests: bounded by the limit). */
  get lookupEntries(): number {
    const count = (level: Level<C>): number => {
      let entries = level.size;
      for (const child of level.values()) if (child instanceof Map) entries += count(child);
      return entries;
    };
    return count(this.root);
  }

  /** Number of series held (the overflow series included). */
  get size(): number {
    return this.series.length;
  }

  /** Forgets every series (gauges, before each collection). */
  protected reset(): void {
    this.series.length = 0;
    this.root.clear();
    this.only = undefined;
    this.overflow = undefined;
  }

  abstract snapshot(): SeriesSnapshot[];
}

interface CounterCell {
  value: number;
}

/** A monotonic sum. */
export class Counter extends Instrument<CounterCell> {
  protected newCell(): CounterCell {
    return { value: 0 };
  }

  /** Adds `value` (≥ 0) to the series with these attribute values (in the spec's order). */
  add(value: number, a = "", b = "", c = "", d = "", e = ""): void {
    this.cell(a, b, c, d, e).value += value;
  }

  snapshot(): SeriesSnapshot[] {
    const out: SeriesSnapshot[] = [];
    for (const series of this.series) out.push({ attributes: series.attributes, value: series.cell.value });
    return out;
  }
}

/** Explicit-bucket histogram (cumulative). */
export class Histogram extends Instrument<HistogramValue> {
  readonly boundaries: readonly number[];

  constructor(spec: InstrumentSpec) {
    super(spec);
    if (spec.buckets === undefined || spec.buckets.length === 0) throw new Error(`histogram ${spec.name} needs bucket boundaries`);
    for (let i = 1; i < spec.buckets.length; i++) {
      if (spec.buckets[i]! <= spec.buckets[i - 1]!) throw new Error(`histogram ${spec.name}: boundaries must ascend`);
    }
    this.boundaries = spec.buckets;
  }

  protected newCell(): HistogramValue {
    return { counts: new Array<number>(this.boundaries.length + 1).fill(0), sum: 0, count: 0, min: Infinity, max: -Infinity };
  }

  record(value: number, a = "", b = "", c = "", d = "", e = ""): void {
    const cell = this.cell(a, b, c, d, e);
    const bounds = this.boundaries;
    let index = 0;
    while (index < bounds.length && value > bounds[index]!) index++;
    cell.counts[index]! += 1;
    cell.sum += value;
    cell.count += 1;
    if (value < cell.min) cell.min = value;
    if (value > cell.max) cell.max = value;
  }

  snapshot(): SeriesSnapshot[] {
    const out: SeriesSnapshot[] = [];
    for (const series of this.series) {
      const cell = series.cell;
      out.push({ attributes: series.attributes, value: { counts: cell.counts.slice(), sum: cell.sum, count: cell.count, min: cell.min, max: cell.max } });
    }
    return out;
  }
}

/**
 * A value read at collection time (pool sizes, memory, cumulative CPU time): the store's
 * collectors call `observe` during `snapshot()`; series not observed in a collection vanish.
 */
export class Gauge extends Instrument<CounterCell> {
  protected newCell(): CounterCell {
    return { value: 0 };
  }

  observe(value: number, a = "", b = "", c = "", d = "", e = ""): void {
    this.cell(a, b, c, d, e).value = value;
  }

  /** Adds to the value observed in this collection (several pools on one origin). */
  observeAdd(value: number, a = "", b = "", c = "", d = "", e = ""): void {
    this.cell(a, b, c, d, e).value += value;
  }

  clear(): void {
    this.reset();
  }

  snapshot(): SeriesSnapshot[] {
    const out: SeriesSnapshot[] = [];
    for (const series of this.series) out.push({ attributes: series.attributes, value: series.cell.value });
    return out;
  }
}

export type Collector = () => void;

/** All instruments of one process, and the collectors that fill its gauges. */
export class MetricStore {
  readonly specs: InstrumentSpec[] = [];
  private readonly instruments = new Map<string, Counter | Histogram | Gauge>();
  private readonly gauges: Gauge[] = [];
  private readonly collectors: Collector[] = [];
  private readonly onCollectorError: (error: unknown) => void;

  constructor(onCollectorError: (error: unknown) => void = () => undefined) {
    this.onCollectorError = onCollectorError;
  }

  counter(spec: InstrumentSpec): Counter {
    return this.register(spec, "counter", () => new Counter(spec));
  }

  histogram(spec: InstrumentSpec): Histogram {
    return this.register(spec, "histogram", () => new Histogram(spec));
  }

  gauge(spec: InstrumentSpec): Gauge {
    const kind = spec.kind === "observed_counter" ? "observed_counter" : "gauge";
    const gauge = this.register(spec, kind, () => new Gauge(spec));
    this.gauges.push(gauge);
    return gauge;
  }

  private register<I extends Counter | Histogram | Gauge>(spec: InstrumentSpec, kind: InstrumentKind, make: () => I): I {
    if (spec.kind !== kind) throw new Error(`instrument ${spec.name} is declared as ${spec.kind}, registered as ${kind}`);
    if (this.instruments.has(spec.name)) throw new Error(`instrument ${spec.name} is declared twice`);
    if (spec.attributes.length > 5) throw new Error(`instrument ${spec.name}: at most 5 attributes`);
    const instrument = make();
    this.instruments.set(spec.name, instrument);
    this.specs.push(spec);
    return instrument;
  }

  /** Registers a function that observes gauges at each collection; returns an unregister. */
  addCollector(collector: Collector): () => void {
    this.collectors.push(collector);
    return () => {
      const index = this.collectors.indexOf(collector);
      if (index !== -1) this.collectors.splice(index, 1);
    };
  }

  instrument(name: string): Counter | Histogram | Gauge | undefined {
    return this.instruments.get(name);
  }

  /** Runs the collectors, then copies every series (plain JSON). */
  snapshot(): StoreSnapshot {
    for (const gauge of this.gauges) gauge.clear();
    for (const collector of this.collectors) {
      try {
        collector();
      } catch (error) {
        this.onCollectorError(error);
      }
    }
    const series: Record<string, SeriesSnapshot[]> = {};
    for (const [name, instrument] of this.instruments) {
      const points = instrument.snapshot();
      if (points.length > 0) series[name] = points;
    }
    return { series };
  }
}
