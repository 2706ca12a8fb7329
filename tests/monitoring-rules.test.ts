/**
 * The monitoring stack's files, checked with the real tools: promtool (config, rules with every
 * lint, the unit tests of every alert), the check that every alert is tested and documented, and
 * amtool (config, templates, routing of each severity to its Slack receiver).
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { checkAlerts, durationSeconds, loadAlertRules, runbookAnchors } from "../scripts/check-alert-tests.ts";
import { alertmanagerConfig } from "./support/alertmanager.ts";
import { ROOT } from "./support/gateway-process.ts";
import { prometheusConfig } from "./support/prometheus.ts";
import { removeTempDirs, tempDir } from "./support/temp-dir.ts";

afterAll(() => removeTempDirs());

function run(command: string, args: readonly string[], cwd = ROOT): { code: number | null; out: string; stdout: string } {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", timeout: 120_000 });
  if (result.error !== undefined) throw result.error;
  return { code: result.status, out: `${result.stdout}${result.stderr}`, stdout: result.stdout };
}

const ruleFiles = (dir: string): string[] =>
  readdirSync(join(ROOT, dir))
    .filter((name) => name.endsWith(".rules.yml"))
    .map((name) => join(dir, name));

describe("prometheus", () => {
  it("prometheus.yml passes promtool check config, rule files included", () => {
    const { code, out } = run("promtool", ["check", "config", "prometheus/prometheus.yml"]);
    expect(out).toContain("SUCCESS");
    expect(code, out).toBe(0);
    expect(out).toMatch(/rules\/pharos\.rules\.yml\s+SUCCESS/);
    expect(out).toMatch(/alerts\/gateway\.rules\.yml\s+SUCCESS/);
  });

  it("every recording and alerting rule passes promtool check rules --lint=all --lint-fatal", () => {
    const files = [...ruleFiles("prometheus/rules"), ...ruleFiles("alerts")];
    expect(files.length).toBeGreaterThanOrEqual(10);
    const { code, out } = run("promtool", ["check", "rules", "--lint=all", "--lint-fatal", ...files]);
    expect(code, out).toBe(0);
  });

  it("promtool check rules rejects a broken rule (the check is real)", () => {
    const dir = tempDir("pharos-rules-");
    writeFileSync(join(dir, "bad.rules.yml"), "groups:\n  - name: bad\n    rules:\n      - alert: PharosBad\n        expr: rate(pharos_requests_total[5m] > 1\n");
    const { code, out } = run("promtool", ["check", "rules", join(dir, "bad.rules.yml")]);
    expect(code).not.toBe(0);
    expect(out).toMatch(/parse error|unclosed|unexpected/i);
  });

  it("every alert's promtool unit tests pass", () => {
    const tests = readdirSync(join(ROOT, "alerts/tests")).filter((name) => name.endsWith(".test.yml"));
    expect(tests.length).toBeGreaterThanOrEqual(9);
    const { code, out } = run("promtool", ["test", "rules", ...tests], join(ROOT, "alerts/tests"));
    expect(code, out).toBe(0);
    expect(out.match(/SUCCESS/g)?.length).toBe(tests.length);
  });

  it("the config the end-to-end tests derive from prometheus.yml is valid too", () => {
    const dir = tempDir("pharos-prometheus-config-");
    const path = prometheusConfig({ targets: { pharos: [{ address: "127.0.0.1:4000" }], node: [{ address: "127.0.0.1:9100" }] }, alertmanager: "127.0.0.1:9093", alertFor: "1s" }, dir);
    const { code, out } = run("promtool", ["check", "config", path]);
    expect(code, out).toBe(0);
  });
});

describe("check-alert-tests", () => {
  it("finds every alert named, documented and tested", () => {
    expect(checkAlerts(ROOT)).toEqual([]);
    const rules = loadAlertRules(ROOT);
    expect(rules.length).toBeGreaterThanOrEqual(50);
    expect(new Set(rules.map((rule) => rule.severity))).toEqual(new Set(["critical", "warning", "info"]));
  });

  it("fails when an alert loses its test, its runbook section or its severity", () => {
    const root = tempDir("pharos-alerts-copy-");
    cpSync(join(ROOT, "alerts"), join(root, "alerts"), { recursive: true });
    mkdirSync(join(root, "docs"));
    cpSync(join(ROOT, "docs/runbooks.md"), join(root, "docs/runbooks.md"));
    expect(checkAlerts(root)).toEqual([]);

    rmSync(join(root, "alerts/tests/edge.test.yml"));
    writeFileSync(
      join(root, "alerts/extra.rules.yml"),
      "groups:\n  - name: extra\n    rules:\n      - alert: badName\n        expr: up == 0\n        annotations:\n          summary: s\n          description: static\n          runbook_url: docs/runbooks.md#nowhere\n",
    );
    const problems = checkAlerts(root);
    expect(problems).toContain("PharosNginxDown: no promtool test (alerts/tests/*.test.yml)");
    expect(problems).toContain("PharosRateLimitRejectionsHigh: no promtool test (alerts/tests/*.test.yml)");
    expect(problems.some((problem) => problem.startsWith("badName (alerts/extra.rules.yml): name must be"))).toBe(true);
    expect(problems.some((problem) => problem.includes("label severity must be one of"))).toBe(true);
    expect(problems.some((problem) => problem.includes("the description must be templated"))).toBe(true);
    expect(problems.some((problem) => problem.includes("docs/runbooks.md has no section #nowhere"))).toBe(true);
  });

  it("the CLI exits non-zero on a problem and zero on the repository", () => {
    const ok = run(process.execPath, ["scripts/check-alert-tests.ts"]);
    expect(ok.code, ok.out).toBe(0);
    expect(ok.out).toMatch(/\d+ alerting rules, each named, documented and tested/);
  });

  it("reads durations and heading anchors as Prometheus and GitHub do", () => {
    expect(durationSeconds("1h30m")).toBe(5400);
    expect(durationSeconds("0m")).toBe(0);
    expect(() => durationSeconds("5 minutes")).toThrow();
    expect(runbookAnchors("### PharosHostCpuHigh\n## Host capacity\n### llm_too_slow")).toEqual(new Set(["pharoshostcpuhigh", "host-capacity", "llm_too_slow"]));
  });
});

describe("alertmanager", () => {
  it("alertmanager.yml and its templates pass amtool check-config", () => {
    const { code, out } = run("amtool", ["check-config", "alerts/alertmanager.yml"]);
    expect(code, out).toBe(0);
    expect(out).toContain("1 templates");
    expect(out).toContain("SUCCESS");
  });

  it.each([
    ["critical", "slack-page"],
    ["warning", "slack-ops"],
    ["info", "slack-ops"],
  ])("routes severity=%s to %s", (severity, receiver) => {
    const { code, out, stdout } = run("amtool", ["config", "routes", "test", "--config.file=alerts/alertmanager.yml", `--verify.receivers=${receiver}`, `severity=${severity}`, "alertname=PharosErrorRateHigh", "job=pharos"]);
    expect(code, out).toBe(0);
    expect(stdout.trim()).toBe(receiver);
  });

  it("amtool notices a wrong expectation (the routing test is real)", () => {
    const { code } = run("amtool", ["config", "routes", "test", "--config.file=alerts/alertmanager.yml", "--verify.receivers=slack-page", "severity=warning"]);
    expect(code).not.toBe(0);
  });

  it("every receiver sends resolved alerts and reads its webhook from a file", () => {
    const dir = tempDir("pharos-am-config-");
    const path = alertmanagerConfig({ slackUrl: "http://127.0.0.1:1/services/x" }, dir);
    const { code, out } = run("amtool", ["check-config", path]);
    expect(code, out).toBe(0);
    const text = readFileSync(join(ROOT, "alerts/alertmanager.yml"), "utf8");
    expect(text).not.toMatch(/hooks\.slack\.com/);
    const receivers = (parse(text) as { receivers: { name: string; slack_configs: { send_resolved: boolean; api_url_file: string; api_url?: string }[] }[] }).receivers;
    expect(receivers.map((receiver) => receiver.name).sort()).toEqual(["slack-ops", "slack-page"]);
    for (const slack of receivers.flatMap((receiver) => receiver.slack_configs)) {
      expect(slack.send_resolved).toBe(true);
      expect(slack.api_url_file).toMatch(/^\/etc\/alertmanager\/secrets\//);
      expect(slack.api_url).toBeUndefined();
    }
  });
});
