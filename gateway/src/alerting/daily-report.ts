/**
 * daily_reports, as LiteLLM sends them: every `daily_report_frequency` (12 h by default), the
 * deployments with the most failed calls and the slowest ones (average call duration), from
 * the router's attempt events since the previous report. Nothing is sent for a quiet period.
 */
import type { Deployment } from "../router/deployments.ts";
import type { Alert } from "./alert.ts";

interface DeploymentStats {
  readonly deployment: Deployment;
  calls: number;
  failures: number;
  totalMs: number;
  maxMs: number;
}

export const REPORT_TOP = 5;

export class DailyReport {
  private stats = new Map<string, DeploymentStats>();
  private since: number;

  constructor(now: number) {
    this.since = now;
  }

  /** One upstream call ended. */
  attempt(deployment: Deployment, failed: boolean, durationMs: number): void {
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

  /** The report's alerts for the period up to `now` (and a new period starts). */
  take(now: number): Alert[] {
    const entries = [...this.stats.values()];
    const since = this.since;
    this.stats = new Map();
    this.since = now;
    if (entries.length === 0) return [];
    const hours = Math.max(1, Math.round((now - since) / 3_600_000));
    const name = (entry: DeploymentStats): string => `${entry.deployment.group} / ${entry.deployment.id} (${entry.deployment.apiBaseForHeader})`;
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
