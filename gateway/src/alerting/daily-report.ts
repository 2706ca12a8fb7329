/**
 * daily_reports, as LiteLLM sends them: every `daily_report_frequency` (12 h by default), the
 * deployments with the most failed calls and the slowest ones (average call duration), from
 * the router's attempt events since the previous report. Nothing is sent for a quiet period.
 *
 * With several workers each worker keeps its own statistics (a Map update per attempt, no IPC)
 * and ships them to the alert hub now and then and when it leaves (`takeStats()`); the hub
 * `merge()`s them into the one report it sends.
 */
import type { Alert, DeploymentRef } from "./alert.ts";
import { refOf } from "./alert.ts";

/** One deployment's calls since the previous report (or shipment): plain data. */
export interface ReportStats {
  readonly deployment: DeploymentRef;
  calls: number;
  failures: number;
  totalMs: number;
  maxMs: number;
}

export const REPORT_TOP = 5;

export class DailyReport {
  private stats = new Map<string, ReportStats>();
  private since: number;

  constructor(now: number) {
    this.since = now;
  }

  /** One upstream call ended. */
  attempt(deployment: DeploymentRef, failed: boolean, durationMs: number): void {
    let entry = this.stats.get(deployment.id);
    if (entry === undefined) {
      entry = { deployment, calls: 0, failures: 0, totalMs: 0, maxMs: 0 };
      this.stats.set(deployment.id, entry);
    }
    entry.calls += 1;
    if (failed) entry.failures += 1;
    entry.totalMs += durationMs;
    entry.maxMs = Math.max(entry.maxMs, durationMs);
  }

  /** Whether nothing was recorded since the last report or shipment. */
  get empty(): boolean {
    return this.stats.size === 0;
  }

  /** The statistics recorded here since the last call, as plain data; they are forgotten here (a worker ships them to the hub). */
  takeStats(): ReportStats[] {
    const stats = [...this.stats.values()].map((entry) => ({ ...entry, deployment: refOf(entry.deployment) }));
    this.stats = new Map();
    return stats;
  }

  /** Adds statistics another process recorded (malformed entries are skipped). */
  merge(stats: readonly ReportStats[]): void {
    for (const item of stats) {
      if (typeof item?.deployment?.id !== "string" || !(item.calls > 0)) continue;
      const entry = this.stats.get(item.deployment.id);
      if (entry === undefined) {
        this.stats.set(item.deployment.id, { deployment: refOf(item.deployment), calls: item.calls, failures: item.failures, totalMs: item.totalMs, maxMs: item.maxMs });
        continue;
      }
      entry.calls += item.calls;
      entry.failures += item.failures;
      entry.totalMs += item.totalMs;
      entry.maxMs = Math.max(entry.maxMs, item.maxMs);
    }
  }

  /** The report's alerts for the period up to `now` (and a new period starts). */
  take(now: number): Alert[] {
    const entries = [...this.stats.values()];
    const since = this.since;
    this.stats = new Map();
    this.since = now;
    if (entries.length === 0) return [];
    const hours = Math.max(1, Math.round((now - since) / 3_600_000));
    const name = (entry: ReportStats): string => `${entry.deployment.group} / ${entry.deployment.id} (${entry.deployment.apiBaseForHeader})`;
    const failing = entries
      .filter((entry) => entry.failures > 0)
      .sort((a, b) => b.failures - a.failures)
      .slice(0, REPORT_TOP)
      .map((entry, i) => `${i + 1}. ${name(entry)}: ${entry.failures} failed of ${entry.calls} calls (${((100 * entry.failures) / entry.calls).toFixed(1)} %)`);
    const slowest = entries
      .sort((a, b) => b.totalMs / b.calls - a.totalMs / a.calls)
      .slice(0, REPORT_TOP)
      .map((entry, i) => `${i + 1}. ${name(entry)}: ${(entry.totalMs / entry.calls / 1000).toFixed(2)} s average, ${(entry.maxMs / 1000).toFixed(2)} s slowest, ${entry.calls} calls`);
    const calls = entries.reduce((sum, entry) => sum + entry.calls, 0);
    const failures = entries.reduce((sum, entry) => sum + entry.failures, 0);
    const base = { type: "daily_reports", level: "Low", dashboard: "pharos-models", at: now, numbers: { calls, failed: failures, "period (h)": hours } } as const;
    return [
      { ...base, key: `failing\0${now}`, title: `Top ${REPORT_TOP} deployments by failed calls (last ${hours} h)`, detail: failing.length > 0 ? failing.join("\n") : "no failed calls" },
      { ...base, key: `slowest\0${now}`, title: `Top ${REPORT_TOP} slowest deployments (last ${hours} h)`, detail: slowest.join("\n") },
    ];
  }
}
