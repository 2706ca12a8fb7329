/**
 * Generates deploy/k8s/base/prometheus-rule.yaml (a prometheus-operator PrometheusRule) from the
 * rule files Prometheus loads in the compose and native stacks: the recording rules of
 * prometheus/rules/*.rules.yml, then the alerts of alerts/*.rules.yml, groups copied unchanged.
 * One source of truth: edit the rule files, then `make k8s-rules` (this script); the test
 * tests/deploy-k8s.test.ts fails while the generated file is stale.
 *
 * The one change: the rule files select the scrape jobs of prometheus/prometheus.yml (`node`,
 * `prometheus`, `alertmanager`), which are not the job names a Kubernetes Prometheus gives the
 * same targets. Every `job` matcher naming one of them is renamed — by default to kube-prometheus'
 * names (node-exporter, prometheus-k8s, alertmanager-main); `--job node=NAME` (repeatable) sets
 * another. Without this, the host and monitoring alerts would select nothing and never fire.
 * `pharos` and `pharos-health` stay: the ServiceMonitor gives the gateway's targets those names.
 *
 *   node dist/scripts/k8s-prometheus-rule.js                       write the file
 *   node dist/scripts/k8s-prometheus-rule.js --check               exit 1 if it is stale
 *   node dist/scripts/k8s-prometheus-rule.js --job node=node-exporter --job prometheus=… --job alertmanager=…
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { parse, stringify } from "yaml";
import { REPO_ROOT } from "./stack/nginx.ts";

export const RULE_DIRS = ["prometheus/rules", "alerts"] as const;
export const OUTPUT = "deploy/k8s/base/prometheus-rule.yaml";

/** prometheus.yml's job name → the job name on Kubernetes. */
export type JobNames = Readonly<Record<string, string>>;

/** kube-prometheus (prometheus-operator's jsonnet stack) names these targets' jobs so. */
export const KUBE_PROMETHEUS_JOBS: JobNames = { node: "node-exporter", prometheus: "prometheus-k8s", alertmanager: "alertmanager-main" };

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly Record<string, unknown>[];
  readonly [key: string]: unknown;
}

export interface RuleSource {
  readonly file: string;
  readonly groups: readonly RuleGroup[];
}

/** The rule files, in the order Prometheus's rule_files globs list them (directory, then name). */
export function ruleSources(root: string = REPO_ROOT): RuleSource[] {
  const sources: RuleSource[] = [];
  for (const dir of RULE_DIRS) {
    const path = join(root, dir);
    if (!existsSync(path)) continue;
    for (const file of readdirSync(path).filter((name) => /\.rules\.ya?ml$/.test(name)).sort()) {
      const parsed = parse(readFileSync(join(path, file), "utf8")) as { groups?: RuleGroup[] } | null;
      sources.push({ file: relative(root, join(path, file)), groups: parsed?.groups ?? [] });
    }
  }
  return sources;
}

/**
 * PromQL text with every `job` label matcher renamed per `jobs`: `job="node"`, `job!="node"`,
 * each alternative of `job=~"node|…"`, and the same with escaped quotes (a query inside an
 * annotation template, `job=\"node\"`). Other names are left as they are.
 */
export function renameJobs(text: string, jobs: JobNames): string {
  return text.replace(/\bjob(\s*)(=~|!~|!=|=)(\s*)(\\?")(.*?)(\\?")/g, (all, before: string, op: string, after: string, open: string, value: string, close: string) => {
    if (open !== close) return all;
    const renamed = op === "=~" || op === "!~" ? value.split("|").map((name) => jobs[name] ?? name).join("|") : (jobs[value] ?? value);
    return `job${before}${op}${after}${open}${renamed}${close}`;
  });
}

/** Every string in a rule (expr, labels, annotations) with its job matchers renamed. */
function renameInRule(rule: Readonly<Record<string, unknown>>, jobs: JobNames): Record<string, unknown> {
  const walk = (value: unknown): unknown => {
    if (typeof value === "string") return renameJobs(value, jobs);
    if (Array.isArray(value)) return value.map(walk);
    if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item)]));
    return value;
  };
  return walk(rule) as Record<string, unknown>;
}

export function prometheusRule(sources: readonly RuleSource[], jobs: JobNames = KUBE_PROMETHEUS_JOBS): Record<string, unknown> {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: {
      name: "pharos-rules",
      labels: { "app.kubernetes.io/name": "pharos-gateway", role: "alert-rules" },
    },
    spec: { groups: sources.flatMap((source) => source.groups.map((group) => ({ ...group, rules: group.rules.map((rule) => renameInRule(rule, jobs)) }))) },
  };
}

export function renderPrometheusRule(root: string = REPO_ROOT, jobs: JobNames = KUBE_PROMETHEUS_JOBS): string {
  const sources = ruleSources(root);
  const renamed = Object.entries(jobs).filter(([from, to]) => from !== to);
  const header = [
    "# GENERATED by scripts/k8s-prometheus-rule.ts (`make k8s-rules`): do not edit.",
    "# Source of truth, in this order:",
    ...(sources.length === 0 ? ["#   (no rule files yet)"] : sources.map((source) => `#   ${source.file}`)),
    `# Job matchers renamed for Kubernetes: ${renamed.length === 0 ? "none" : renamed.map(([from, to]) => `job="${from}" → job="${to}"`).join(", ")}`,
    "# (K8S_RULE_JOBS / --job NAME=K8S_NAME; docs/deployment.md).",
    "",
  ].join("\n");
  return `${header}${stringify(prometheusRule(sources, jobs), { lineWidth: 0 })}`;
}

/** `--job node=node-exporter` flags (repeatable) over the kube-prometheus defaults. */
export function jobNamesFromArgs(args: readonly string[]): JobNames {
  const jobs: Record<string, string> = { ...KUBE_PROMETHEUS_JOBS };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!;
    const value = flag === "--job" ? args[++i] : flag.startsWith("--job=") ? flag.slice("--job=".length) : undefined;
    if (value === undefined) continue;
    const found = /^([A-Za-z0-9_.:-]+)=([A-Za-z0-9_.:-]+)$/.exec(value);
    if (found === null) throw new Error(`--job expects NAME=K8S_NAME (e.g. node=node-exporter), got "${value}"`);
    jobs[found[1]!] = found[2]!;
  }
  return jobs;
}

async function main(args: readonly string[]): Promise<number> {
  const target = join(REPO_ROOT, OUTPUT);
  const rendered = renderPrometheusRule(REPO_ROOT, jobNamesFromArgs(args));
  const current = existsSync(target) ? readFileSync(target, "utf8") : "";
  if (args.includes("--check")) {
    if (current === rendered) return 0;
    process.stderr.write(`${OUTPUT} is stale: run \`make k8s-rules\`\n`);
    return 1;
  }
  if (current !== rendered) writeFileSync(target, rendered);
  process.stdout.write(`${OUTPUT}: ${current === rendered ? "up to date" : "written"}\n`);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.exitCode = await main(process.argv.slice(2));
}
