/**
 * Hands the store's snapshot to the OpenTelemetry SDK at collection time: a MetricProducer
 * (registered on the Prometheus reader) that turns a snapshot, local or merged across the
 * cluster, into the SDK's MetricData, which the exporter's own serializer then writes in the
 * Prometheus text format. Nothing here runs per request.
 */
import { ValueType } from "@opentelemetry/api";
import type { HrTime } from "@opentelemetry/api";
import { hrTime, millisToHrTime } from "@opentelemetry/core";
import { emptyResource } from "@opentelemetry/resources";
import { AggregationTemporality, DataPointType } from "@opentelemetry/sdk-metrics";
import type { CollectionResult, MetricData, MetricProducer, ScopeMetrics } from "@opentelemetry/sdk-metrics";
import type { HistogramValue, InstrumentSpec, StoreSnapshot } from "./metric-store.ts";

export type SnapshotSource = () => Promise<StoreSnapshot>;

export const SCOPE_NAME = "pharos";

function metricDataOf(spec: InstrumentSpec, snapshot: StoreSnapshot, startTime: HrTime, endTime: HrTime): MetricData | undefined {
  const points = snapshot.series[spec.name];
  if (points === undefined || points.length === 0) return undefined;
  const descriptor = { name: spec.name, description: spec.description, unit: spec.unit, valueType: spec.integer === true ? ValueType.INT : ValueType.DOUBLE };
  const aggregationTemporality = AggregationTemporality.CUMULATIVE;
  if (spec.kind === "histogram") {
    const boundaries = [...(spec.buckets ?? [])];
    return {
      descriptor,
      aggregationTemporality,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints: points.map((point) => {
        const value = point.value as HistogramValue;
        return {
          startTime,
          endTime,
          attributes: point.attributes,
          value: {
            buckets: { boundaries, counts: value.counts },
            sum: value.sum,
            count: value.count,
            ...(value.count > 0 ? { min: value.min, max: value.max } : {}),
          },
        };
      }),
    };
  }
  const dataPoints = points.map((point) => ({ startTime, endTime, attributes: point.attributes, value: point.value as number }));
  if (spec.kind === "gauge") return { descriptor, aggregationTemporality, dataPointType: DataPointType.GAUGE, dataPoints };
  return { descriptor, aggregationTemporality, dataPointType: DataPointType.SUM, isMonotonic: true, dataPoints };
}

/** The SDK's view of a snapshot, in catalogue order. */
export function toScopeMetrics(specs: readonly InstrumentSpec[], snapshot: StoreSnapshot, startTime: HrTime, version: string): ScopeMetrics {
  const endTime = hrTime();
  const metrics: MetricData[] = [];
  for (const spec of specs) {
    const data = metricDataOf(spec, snapshot, startTime, endTime);
    if (data !== undefined) metrics.push(data);
  }
  return { scope: { name: SCOPE_NAME, version }, metrics };
}

/** A MetricProducer over a snapshot source (the reader adds the SDK's resource). */
export function snapshotProducer(specs: readonly InstrumentSpec[], source: SnapshotSource, version: string, startedAtEpochMs = Date.now()): MetricProducer {
  const startTime = millisToHrTime(startedAtEpochMs);
  return {
    async collect(): Promise<CollectionResult> {
      const snapshot = await source();
      return { resourceMetrics: { resource: emptyResource(), scopeMetrics: [toScopeMetrics(specs, snapshot, startTime, version)] }, errors: [] };
    },
  };
}
