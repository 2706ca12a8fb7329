/**
 * CI check for the alerting rules (`node scripts/check-alert-tests.ts`; also run by
 * tests/monitoring-rules.test.ts). It fails when an alert in alerts/*.rules.yml:
 * - is not named `Pharos` + CamelCase, or lacks `severity` (critical | warning | info);
 * - lacks `summary`, a templated `description` or a `runbook_url` pointing at a section of
 *   docs/runbooks.md that exists;
 * - has no promtool test in alerts/tests/*.test.yml that, for each of its severities, expects it
 *   silent one minute before it fires and firing at that time (the onset: `for` after its
 *   condition became true), and no test where it stays silent throughout (healthy input).
 * promtool itself (`promtool test rules alerts/tests/*.test.yml`) proves the tests pass.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

export const SEVERITIES = ["critical", "warning", "info"] as const;
const NAME = /^Pharos[A-Z][A-Za-z0-9]+$/;
const RUNBOOK = /^docs\/runbooks\.md#([a-z0-9-]+)$/;

export interface AlertRule {
  readonly file: string;
  readonly group: string;
  readonly name: string;
  readonly severity: string | undefined;
  readonly forSeconds: number;
  readonly expr: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface AlertCheck {
  readonly file: string;
  readonly test: string;
  readonly alertname: string;
  readonly evalSeconds: number;
  /** Labels of the alerts expected to fire at evalSeconds. */
  readonly firing: readonly Readonly<Record<string, string>>[];
}

/** Prometheus durations: 1h30m, 90s, 2d … → seconds. */
export function durationSeconds(text: string | undefined): number {
  if (text === undefined || text === "" || text === "0") return 0;
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
  let total = 0;
  let matched = "";
  for (const part of text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) {
    total += Number(part[1]) * (units[part[2] ?? "s"] ?? 1);
    matched += part[0];
  }
  if (matched !== text) throw new Error(`not a duration: ${text}`);
  return total;
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function strings(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, entry] of Object.entries(record(value))) out[key] = String(entry);
  return out;
}

function yamlFiles(dir: string, suffix: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(suffix))
    .sort()
    .map((name) => join(dir, name));
}

export function loadAlertRules(root: string): AlertRule[] {
  const rules: AlertRule[] = [];
  for (const file of yamlFiles(join(root, "alerts"), ".rules.yml")) {
    for (const group of list(record(parse(readFileSync(file, "utf8"))).groups)) {
      const g = record(group);
      for (const rule of list(g.rules)) {
        const r = record(rule);
        if (typeof r.alert !== "string") continue;
        const labels = strings(r.labels);
        rules.push({
          file,
          group: String(g.name),
          name: r.alert,
          severity: labels.severity,
          forSeconds: durationSeconds(typeof r.for === "string" ? r.for : undefined),
          expr: String(r.expr),
          labels,
          annotations: strings(r.annotations),
        });
      }
    }
  }
  return rules;
}

export function loadAlertChecks(root: string): AlertCheck[] {
  const checks: AlertCheck[] = [];
  for (const file of yamlFiles(join(root, "alerts", "tests"), ".test.yml")) {
    for (const [index, test] of list(record(parse(readFileSync(file, "utf8"))).tests).entries()) {
      const t = record(test);
      for (const entry of list(t.alert_rule_test)) {
        const e = record(entry);
        const firing = list(e.exp_alerts).map((alert) => strings(record(alert).exp_labels));
        checks.push({ file, test: typeof t.name === "string" ? t.name : `#${index}`, alertname: String(e.alertname), evalSeconds: durationSeconds(String(e.eval_time)), firing });
      }
    }
  }
  return checks;
}

/** GitHub's heading anchors: lower case, spaces → `-`, punctuation dropped. */
export function runbookAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const line of markdown.split("\n")) {
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (heading === null) continue;
    anchors.add(
      (heading[1] ?? "")
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-"),
    );
  }
  return anchors;
}

export function checkAlerts(root: string): string[] {
  const problems: string[] = [];
  const rules = loadAlertRules(root);
  const checks = loadAlertChecks(root);
  const anchors = runbookAnchors(readFileSync(join(root, "docs", "runbooks.md"), "utf8"));
  if (rules.length === 0) problems.push("no alerting rules found in alerts/*.rules.yml");

  for (const rule of rules) {
    const where = `${rule.name} (${rule.file.slice(root.length + 1)})`;
    if (!NAME.test(rule.name)) problems.push(`${where}: name must be "Pharos" + CamelCase`);
    if (rule.severity === undefined || !(SEVERITIES as readonly string[]).includes(rule.severity)) problems.push(`${where}: label severity must be one of ${SEVERITIES.join(", ")}`);
    if ((rule.annotations.summary ?? "") === "") problems.push(`${where}: no summary annotation`);
    if (!(rule.annotations.description ?? "").includes("{{")) problems.push(`${where}: the description must be templated (values, labels)`);
    const runbook = RUNBOOK.exec(rule.annotations.runbook_url ?? "");
    if (runbook === null) problems.push(`${where}: runbook_url must be docs/runbooks.md#<section>`);
    else if (!anchors.has(runbook[1] ?? "")) problems.push(`${where}: docs/runbooks.md has no section #${runbook[1]}`);
  }

  const names = new Set(rules.map((rule) => rule.name));
  for (const name of names) {
    const mine = checks.filter((check) => check.alertname === name);
    if (mine.length === 0) {
      problems.push(`${name}: no promtool test (alerts/tests/*.test.yml)`);
      continue;
    }
    // Silent on healthy input: a test that checks the alert and never expects it to fire.
    const byTest = new Map<string, AlertCheck[]>();
    for (const check of mine) byTest.set(`${check.file}\0${check.test}`, [...(byTest.get(`${check.file}\0${check.test}`) ?? []), check]);
    const healthy = [...byTest.values()].some((group) => group.every((check) => check.firing.length === 0));
    if (!healthy) problems.push(`${name}: no test where it stays silent on healthy input`);
    // Onset, per rule (its static labels tell same-named rules apart): silent at T − 1m and
    // firing at T in the same test.
    for (const rule of rules.filter((candidate) => candidate.name === name)) {
      const fires = (check: AlertCheck): boolean => check.firing.some((labels) => Object.entries(rule.labels).every(([key, value]) => labels[key] === value));
      const onset = [...byTest.values()].some((group) => group.some((check) => fires(check) && group.some((before) => before.evalSeconds === check.evalSeconds - 60 && !fires(before))));
      const which = Object.entries(rule.labels).map(([key, value]) => `${key}=${value}`).join(", ");
      if (!onset) problems.push(`${name} (${which}, for ${rule.forSeconds}s): no test that expects it silent one minute before it fires and firing at that time`);
    }
  }
  for (const check of checks) {
    if (!names.has(check.alertname)) problems.push(`${check.file.slice(root.length + 1)}: test "${check.test}" checks ${check.alertname}, which no rule defines`);
  }
  return problems;
}

/** The repository root: the nearest folder above this file (src or dist) that has alerts/. */
function repositoryRoot(): string {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, "alerts")) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = repositoryRoot();
  const problems = checkAlerts(root);
  for (const problem of problems) console.error(`check-alert-tests: ${problem}`);
  if (problems.length > 0) process.exit(1);
  console.log(`check-alert-tests: ${loadAlertRules(root).length} alerting rules, each named, documented and tested`);
}
