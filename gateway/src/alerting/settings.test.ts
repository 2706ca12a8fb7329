import { describe, expect, it } from "vitest";
import { parseConfigText } from "../config/load.ts";
import { alertingSettings } from "./settings.ts";

function setup(yaml: string, env: NodeJS.ProcessEnv = {}) {
  const loaded = parseConfigText(`model_list: []\n${yaml}`, "test.yaml", env);
  return alertingSettings(loaded.config, env);
}

describe("alerting settings", () => {
  it("is off unless general_settings.alerting lists slack", () => {
    expect(setup("").settings).toBeUndefined();
    expect(setup("general_settings:\n  alerting: []\n").settings).toBeUndefined();
    const email = setup("general_settings:\n  alerting: [email]\n");
    expect(email.settings).toBeUndefined();
    expect(email.warnings).toEqual(['general_settings.alerting: "email" alerting is not implemented; only "slack" is']);
  });

  it("sends every implemented type to SLACK_WEBHOOK_URL by default, with LiteLLM's defaults", () => {
    const { settings, warnings } = setup("general_settings:\n  alerting: [slack]\n", { SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T/B/x" });
    expect(warnings).toEqual([]);
    expect(settings?.types.size).toBe(9);
    expect(settings?.thresholdMs).toBe(300_000);
    expect(settings?.webhooks("llm_exceptions")).toEqual(["https://hooks.slack.com/services/T/B/x"]);
    expect(settings?.outage).toEqual({ windowMs: 60_000, minor: 5, major: 10, maxListSize: 1000 });
    expect(settings?.budgetAlertTtlMs).toBe(86_400_000);
    expect(settings?.dailyReportMs).toBe(43_200_000);
    expect(settings?.flushIntervalMs).toBe(10_000);
    expect(settings?.dashboardUrl).toBe("http://localhost:3000");
  });

  it("reads alert_types, alert_to_webhook_url (a URL or a list), alerting_args and the Pharos variables", () => {
    const { settings, warnings } = setup(
      [
        "general_settings:",
        "  alerting: [slack]",
        "  alerting_threshold: 30",
        "  alert_types: [llm_exceptions, outage_alerts, spend_reports]",
        "  alert_to_webhook_url:",
        "    outage_alerts: [https://hooks.example/a, https://hooks.example/b]",
        "    llm_exceptions: os.environ/EXCEPTIONS_HOOK",
        "  alerting_args:",
        "    outage_alert_ttl: 30",
        "    minor_outage_alert_threshold: 3",
        "    major_outage_alert_threshold: 6",
        "    daily_report_frequency: 3600",
        "    budget_alert_ttl: 60",
        "",
      ].join("\n"),
      { EXCEPTIONS_HOOK: "https://hooks.example/exceptions", PHAROS_DASHBOARD_URL: "https://grafana.example/", PHAROS_ALERTING_FLUSH_SECONDS: "2" },
    );
    expect([...(settings?.types ?? [])]).toEqual(["llm_exceptions", "outage_alerts"]);
    expect(warnings).toEqual(['general_settings.alert_types: "spend_reports" is not implemented and is ignored']);
    expect(settings?.thresholdMs).toBe(30_000);
    expect(settings?.webhooks("outage_alerts")).toEqual(["https://hooks.example/a", "https://hooks.example/b"]);
    expect(settings?.webhooks("llm_exceptions")).toEqual(["https://hooks.example/exceptions"]);
    expect(settings?.webhooks("cooldown_deployment")).toEqual([]);
    expect(settings?.outage).toMatchObject({ windowMs: 30_000, minor: 3, major: 6 });
    expect(settings?.dailyReportMs).toBe(3_600_000);
    expect(settings?.budgetAlertTtlMs).toBe(60_000);
    expect(settings?.dashboardUrl).toBe("https://grafana.example");
    expect(settings?.flushIntervalMs).toBe(2000);
  });

  it("warns when an alert type has nowhere to go", () => {
    const { warnings } = setup("general_settings:\n  alerting: [slack]\n  alert_to_webhook_url:\n    llm_exceptions: https://hooks.example/x\n");
    expect(warnings).toEqual([expect.stringContaining("SLACK_WEBHOOK_URL is not: alert types without an alert_to_webhook_url entry are not sent")]);
  });

  it("says at boot that alerting_threshold is in seconds when it looks like seed 002's error count", () => {
    const { settings, warnings } = setup("general_settings:\n  alerting: [slack]\n  alerting_threshold: 1000\n", { SLACK_WEBHOOK_URL: "https://hooks.example/x" });
    expect(settings?.thresholdMs).toBe(1_000_000);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/alerting_threshold is 1000: it is in SECONDS \(LiteLLM's meaning\), not a number of errors/);
  });

  it("rejects unknown alert types and alerting_args keys with their path", () => {
    expect(() => setup("general_settings:\n  alerting: [slack]\n  alert_types: [llm_exception]\n")).toThrow(/general_settings\.alert_types\[0\]/);
    expect(() => setup("general_settings:\n  alerting_args:\n    outage_window: 5\n")).toThrow(/general_settings\.alerting_args/);
  });
});
