/**
 * A real Prometheus (Debian's `prometheus`, 2.42 here) for tests: its config is the repository's
 * prometheus/prometheus.yml with the targets, intervals and Alertmanager replaced, and the
 * repository's recording and alerting rules (optionally with shorter `for`/`interval`, since
 * promtool tests prove the timing and end-to-end tests prove the path).
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { ROOT } from "./gateway-process.ts";
import { startDaemon, waitUntilReady } from "./monitoring-daemon.ts";
import type { Daemon } from "./monitoring-daemon.ts";
import { freePort } from "./ports.ts";
import { tempDir } from "./temp-dir.ts";

export interface ScrapeTarget {
  /** host:port */
  readonly address: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface PrometheusOptions {
  /** Targets per job of prometheus.yml; jobs left out are dropped (`prometheus` is added for itself when listed with []). */
  readonly targets: Readonly<Record<string, readonly ScrapeTarget[]>>;
  /** Scrape and evaluation interval (default "1s"). */
  readonly interval?: string;
  /** host:port of an Alertmanager; none when omitted. */
  readonly alertmanager?: string;
  /** Rewrites every alert's `for` (e.g. "2s"); kept as written when omitted. */
  readonly alertFor?: string | ((alert: string, written: string | undefined) => string | undefined);
  /** Rewrites every rule group's `interval` to the evaluation interval (default true). */
  readonly fastGroups?: boolean;
}

export interface PromSample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: readonly [number, string];
}

export interface PrometheusAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly state: "pending" | "firing";
  readonly value: string;
}

export interface PrometheusProcess {
  readonly url: string;
  readonly daemon: Daemon;
  readonly configPath: string;
  /** An instant query; rejects with Prometheus' error text for a bad expression. */
  query(expr: string): Promise<PromSample[]>;
  alerts(): Promise<PrometheusAlert[]>;
  /** Health of every scrape target, by job. */
  targets(): Promise<{ job: string; instance: string; health: string; lastError: string }[]>;
  /** Rule groups with their last evaluation errors. */
  ruleErrors(): Promise<string[]>;
  stop(): Promise<void>;
}

function ruleFiles(): string[] {
  const list = (dir: string): string[] =>
    readdirSync(join(ROOT, dir))
      .filter((name) => name.endsWith(".rules.yml"))
      .sort()
      .map((name) => join(ROOT, dir, name));
  return [...list("prometheus/rules"), ...list("alerts")];
}

type Json = Record<string, unknown>;

function rewriteRules(file: string, dir: string, options: PrometheusOptions, interval: string): string {
  const doc = parse(readFileSync(file, "utf8")) as { groups: Json[] };
  for (const group of doc.groups) {
    if (options.fastGroups !== false && group["interval"] !== undefined) group["interval"] = interval;
    for (const rule of group["rules"] as Json[]) {
      if (typeof rule["alert"] !== "string" || options.alertFor === undefined) continue;
      const written = typeof rule["for"] === "string" ? rule["for"] : undefined;
      const wanted = typeof options.alertFor === "string" ? options.alertFor : options.alertFor(rule["alert"], written);
      if (wanted === undefined) delete rule["for"];
      else rule["for"] = wanted;
    }
  }
  const out = join(dir, `${file.includes("/alerts/") ? "alerts-" : "recording-"}${file.split("/").pop()}`);
  writeFileSync(out, stringify(doc));
  return out;
}

/** The test config: prometheus.yml with targets as static configs, intervals and rules replaced. */
export function prometheusConfig(options: PrometheusOptions, dir: string): string {
  const interval = options.interval ?? "1s";
  const config = parse(readFileSync(join(ROOT, "prometheus/prometheus.yml"), "utf8")) as Json;
  config["global"] = { ...(config["global"] as Json), scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval };
  config["rule_files"] = ruleFiles().map((file) => rewriteRules(file, dir, options, interval));
  config["alerting"] = options.alertmanager === undefined ? { alertmanagers: [] } : { alertmanagers: [{ static_configs: [{ targets: [options.alertmanager] }] }] };
  const jobs = (config["scrape_configs"] as Json[]).filter((job) => options.targets[String(job["job_name"])] !== undefined);
  for (const job of jobs) {
    const targets = options.targets[String(job["job_name"])] ?? [];
    delete job["file_sd_configs"];
    job["static_configs"] = targets.map((target) => ({ targets: [target.address], ...(target.labels === undefined ? {} : { labels: target.labels }) }));
  }
  config["scrape_configs"] = jobs;
  const path = join(dir, "prometheus.yml");
  writeFileSync(path, stringify(config));
  return path;
}

async function getJson(url: string): Promise<Json> {
  const response = await fetch(url);
  const body = (await response.json()) as Json;
  if (body["status"] !== "success") throw new Error(`${url}: ${String(body["errorType"])}: ${String(body["error"])}`);
  return body["data"] as Json;
}

export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusProcess> {
  const dir = tempDir("pharos-prometheus-");
  const port = await freePort();
  const configPath = prometheusConfig(
    { ...options, targets: { ...options.targets, ...(options.targets["prometheus"] !== undefined ? { prometheus: [{ address: `127.0.0.1:${port}` }] } : {}) } },
    dir,
  );
  const daemon = startDaemon("prometheus", [
    `--config.file=${configPath}`,
    `--storage.tsdb.path=${join(dir, "data")}`,
    `--web.listen-address=127.0.0.1:${port}`,
    "--web.enable-lifecycle",
    "--rules.alert.resend-delay=1s",
    "--log.level=warn",
  ]);
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(daemon, `${url}/-/ready`, "prometheus");
  const api = `${url}/api/v1`;
  return {
    url,
    daemon,
    configPath,
    async query(expr) {
      const data = await getJson(`${api}/query?query=${encodeURIComponent(expr)}`);
      if (data["resultType"] === "scalar") {
        const value = data["result"] as [number, string];
        return [{ metric: {}, value }];
      }
      return data["result"] as PromSample[];
    },
    async alerts() {
      return (await getJson(`${api}/alerts`))["alerts"] as PrometheusAlert[];
    },
    async targets() {
      const active = (await getJson(`${api}/targets`))["activeTargets"] as { labels: Record<string, string>; health: string; lastError: string }[];
      return active.map((target) => ({ job: target.labels["job"] ?? "", instance: target.labels["instance"] ?? "", health: target.health, lastError: target.lastError }));
    },
    async ruleErrors() {
      const groups = (await getJson(`${api}/rules`))["groups"] as { name: string; rules: { name: string; health: string; lastError?: string }[] }[];
      return groups.flatMap((group) => group.rules.filter((rule) => rule.health === "err").map((rule) => `${group.name}/${rule.name}: ${rule.lastError ?? ""}`));
    },
    stop: () => daemon.stop(),
  };
}
