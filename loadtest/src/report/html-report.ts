/**
 * `--html FILE`: one self-contained page (inline CSS, inline SVG chart script, data as JSON; no
 * network at view time) with RPS, users and latency percentiles over time, the latency, overhead
 * and TTFT distributions, Locust's stats table, failures, thresholds and the run's configuration.
 */
import type { RunMeasurements } from "../load/run-measurements.ts";
import type { LatencyHistogram } from "../stats/latency-histogram.ts";
import type { StatsEntry } from "../stats/locust-stats.ts";
import type { ThresholdResult } from "../thresholds/threshold.ts";
import { CHART_SCRIPT } from "./html-chart-script.ts";
import { latencyRows } from "./run-summary-text.ts";

export interface HtmlReportInput {
  readonly title: string;
  readonly configuration: ReadonlyArray<readonly [string, string]>;
  readonly run: RunMeasurements;
  readonly thresholds: readonly ThresholdResult[];
}

interface ChartSeries {
  readonly name: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

interface Chart {
  readonly id: string;
  readonly title: string;
  readonly x: "time" | "percentile";
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly ChartSeries[];
}

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}

const ms = (value: number): string => (value >= 100 ? value.toFixed(0) : value.toFixed(2));

function distribution(name: string, histogram: LatencyHistogram): ChartSeries {
  return { name, points: histogram.curve() };
}

function charts(run: RunMeasurements): Chart[] {
  const { recorder } = run;
  const points = recorder.series.points;
  const over = (pick: (point: (typeof points)[number]) => number): Array<[number, number]> => points.map((point) => [point.t, pick(point)]);
  const list: Chart[] = [
    { id: "rps", title: "Requests per second", x: "time", xLabel: "time (s)", yLabel: "req/s", series: [{ name: "requests/s", points: over((p) => p.rps) }, { name: "failures/s", points: over((p) => p.failuresPerS) }] },
    { id: "users", title: run.open === undefined ? "Users" : "Requests in flight", x: "time", xLabel: "time (s)", yLabel: "count", series: [{ name: run.open === undefined ? "users" : "in flight", points: over((p) => p.users) }] },
    {
      id: "latency",
      title: `Latency per second${run.open === undefined ? "" : " (from intended send)"}`,
      x: "time",
      xLabel: "time (s)",
      yLabel: "ms",
      series: [{ name: "p50", points: over((p) => p.p50) }, { name: "p95", points: over((p) => p.p95) }, { name: "p99", points: over((p) => p.p99) }],
    },
  ];
  const latencySeries = run.open === undefined ? [distribution("request", recorder.latency)] : [distribution("from intended send", recorder.intendedLatency), distribution("from actual send", recorder.latency)];
  list.push({ id: "latency-distribution", title: "Latency distribution", x: "percentile", xLabel: "percentile", yLabel: "ms", series: latencySeries });
  if (recorder.overhead.count > 0) list.push({ id: "overhead", title: "Gateway overhead distribution", x: "percentile", xLabel: "percentile", yLabel: "ms", series: [distribution("overhead", recorder.overhead)] });
  if (recorder.ttft.count > 0) {
    list.push({ id: "ttft", title: "Time to first token and inter-token latency", x: "percentile", xLabel: "percentile", yLabel: "ms", series: [distribution("TTFT", recorder.ttft), distribution("inter-token", recorder.interTokenLatency)] });
  }
  return list;
}

function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>, numericFrom = 1): string {
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const body = rows.map((row) => `<tr>${row.map((cell, i) => `<td${i >= numericFrom ? ' class="num"' : ""}>${escapeHtml(cell)}</td>`).join("")}</tr>`).join("");
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function statsRow(entry: StatsEntry): string[] {
  const median = entry.medianResponseTime;
  return [
    entry.method,
    entry.name,
    String(entry.numRequests),
    String(entry.numFailures),
    median.raw ? median.value.toFixed(2) : String(median.value),
    entry.avgResponseTime.toFixed(2),
    (entry.minResponseTime ?? 0).toFixed(2),
    entry.maxResponseTime.toFixed(2),
    String(entry.percentile(0.95)),
    String(entry.percentile(0.99)),
    entry.totalRps.toFixed(2),
    entry.totalFailPerSec.toFixed(2),
  ];
}

function kpis(run: RunMeasurements): string {
  const { recorder } = run;
  const latency = run.open === undefined ? recorder.latency : recorder.intendedLatency;
  const cards: Array<[string, string]> = [
    ["requests", String(recorder.requestCount)],
    ["failures", `${recorder.stats.total.numFailures} (${(recorder.stats.total.failRatio * 100).toFixed(2)}%)`],
    ["requests/s", (run.durationS > 0 ? recorder.requestCount / run.durationS : 0).toFixed(1)],
    ["p50 latency", `${ms(latency.percentile(50))} ms`],
    ["p99 latency", `${ms(latency.percentile(99))} ms`],
  ];
  if (recorder.overhead.count > 0) cards.push(["overhead p50", `${ms(recorder.overhead.percentile(50))} ms`]);
  if (recorder.ttft.count > 0) cards.push(["TTFT p50", `${ms(recorder.ttft.percentile(50))} ms`]);
  if (run.open !== undefined) cards.push(["dropped", String(run.open.counts.dropped)]);
  return cards.map(([name, value]) => `<div class="kpi"><span>${escapeHtml(name)}</span><strong>${escapeHtml(value)}</strong></div>`).join("");
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f6f7f9;color:#1f2937}
header{background:#111827;color:#f9fafb;padding:18px 28px}header h1{margin:0;font-size:20px}header p{margin:4px 0 0;color:#9ca3af}
main{padding:20px 28px;max-width:1400px}section{margin-bottom:26px}h2{font-size:16px;margin:0 0 10px}
.kpis{display:flex;flex-wrap:wrap;gap:12px}.kpi{background:#fff;border-radius:8px;padding:10px 16px;box-shadow:0 1px 2px #0001;min-width:120px}
.kpi span{display:block;color:#6b7280;font-size:12px}.kpi strong{font-size:20px}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:16px}
figure{background:#fff;border-radius:8px;margin:0;padding:12px;box-shadow:0 1px 2px #0001}figcaption{font-weight:600;margin-bottom:6px}
svg{width:100%;height:auto}svg .grid{stroke:#e5e7eb}svg .axis{stroke:#9ca3af}svg text{fill:#4b5563;font-size:11px}svg .legend{font-size:12px;fill:#111827}
table{border-collapse:collapse;background:#fff;box-shadow:0 1px 2px #0001;font-size:13px}th,td{padding:5px 10px;border-bottom:1px solid #eef0f3;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f4f6}.pass{color:#15803d}.fail{color:#b91c1c}
`;

export function htmlReport(input: HtmlReportInput): string {
  const { run } = input;
  const chartList = charts(run);
  const data = JSON.stringify({ charts: chartList }).replaceAll("<", "\\u003c");
  const stats = run.recorder.stats;
  const statsTable = table(
    ["Type", "Name", "# reqs", "# fails", "Median (ms)", "Average (ms)", "Min (ms)", "Max (ms)", "95%ile (ms)", "99%ile (ms)", "req/s", "failures/s"],
    [...stats.sortedEntries(), stats.total].map(statsRow),
    2,
  );
  const latency = table(
    ["Latency (ms, HDR)", "count", "avg", "p50", "p90", "p95", "p99", "p99.9", "max"],
    latencyRows(run).map(([name, histogram]) => {
      const s = histogram.summary();
      return [name, String(s.count), ...[s.mean, s.p50, s.p90, s.p95, s.p99, s.p999, s.max].map(ms)];
    }),
  );
  const failures = stats.sortedErrors().map((error) => [error.method, error.name, error.error, String(error.occurrences)]);
  const thresholds = input.thresholds
    .map((r) => `<li class="${r.passed ? "pass" : "fail"}">${r.passed ? "✓" : "✗"} ${escapeHtml(r.threshold.text)} (actual ${r.value === undefined ? "no data" : escapeHtml(r.value.toFixed(4))})</li>`)
    .join("");
  const figures = chartList.map((chart) => `<figure id="chart-${chart.id}" class="chart"><figcaption>${escapeHtml(chart.title)}</figcaption></figure>`).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)}</title><style>${STYLE}</style></head>
<body><header><h1>${escapeHtml(input.title)}</h1><p>pharos-load report, ${escapeHtml(new Date().toISOString())}</p></header>
<main>
<section><div class="kpis">${kpis(run)}</div></section>
<section><div class="charts">${figures}</div></section>
<section><h2>Request statistics (Locust)</h2>${statsTable}</section>
<section><h2>Latency distribution</h2>${latency}</section>
${input.thresholds.length > 0 ? `<section><h2>Thresholds</h2><ul>${thresholds}</ul></section>` : ""}
<section><h2>Failures</h2>${failures.length > 0 ? table(["Method", "Name", "Error", "Occurrences"], failures, 3) : "<p>None.</p>"}</section>
<section><h2>Configuration</h2>${table(["Setting", "Value"], input.configuration.map(([k, v]) => [k, v]), 2)}</section>
</main>
<script type="application/json" id="report-data">${data}</script>
<script>${CHART_SCRIPT}</script>
</body></html>
`;
}
