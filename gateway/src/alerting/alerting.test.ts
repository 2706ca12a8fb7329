import { failedRecord, miniDeployment, requestRecord, tableOf } from "../../../tests/support/alerting-fixtures.ts";
import pino from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parseConfigText } from "../config/load.ts";
import type { RequestRecord, RequestState } from "../request-state.ts";
import { newRequestState } from "../request-state.ts";
import type { Deployment } from "../router/deployments.ts";
import { createAlerting } from "./alerting.ts";
import type { Alerting } from "./alerting.ts";
import type { SlackMessage } from "./block-kit.ts";
import { DailyReport } from "./daily-report.ts";
import { HangingRequests } from "./hanging-requests.ts";
import { exceptionAlert, slowAlert } from "./request-alerts.ts";

const logger = pino({ level: "silent" });
const miniA = miniDeployment("mini-a", "http://10.0.0.1:8000/v1");
const miniB = miniDeployment("mini-b", "http://10.0.0.2:8000/v1");
const record = (overrides: Partial<RequestRecord> = {}): RequestRecord => requestRecord(miniB, overrides);
const failed = (overrides: Partial<RequestRecord> = {}): RequestRecord => failedRecord(miniB, overrides);


interface Harness {
  readonly alerting: Alerting;
  readonly sent: { url: string; message: SlackMessage }[];
  readonly table: ReturnType<typeof tableOf>;
  texts(): string[];
}

const started: Alerting[] = [];
afterEach(async () => {
  for (const alerting of started.splice(0)) await alerting.close(10);
  vi.useRealTimers();
});

function harness(yaml = "", env: NodeJS.ProcessEnv = { SLACK_WEBHOOK_URL: "https://hooks.example/x" }, now = () => 1_000_000): Harness {
  const loaded = parseConfigText(`model_list: []\ngeneral_settings:\n  alerting: [slack]\n${yaml}`, "test.yaml", env);
  const sent: { url: string; message: SlackMessage }[] = [];
  const table = tableOf(miniA, miniB);
  const alerting = createAlerting(loaded, { logger, env, table, clock: now, sink: { send: (url, message) => sent.push({ url, message }) } });
  if (alerting === undefined) throw new Error("alerting is off");
  started.push(alerting);
  return { alerting, sent, table, texts: () => sent.map((entry) => `${entry.message.text}\n${JSON.stringify(entry.message.blocks)}`) };
}

describe("request alerts", () => {
  it("llm_exceptions only for failures that are the service's fault", () => {
    expect(exceptionAlert(failed())?.title).toBe("LLM API call failed: upstream_server_error (HTTP 500)");
    expect(exceptionAlert(failed({ status: 429, errorCode: "no_healthy_deployment", deployment: undefined }))?.deploymentId).toBeUndefined();
    for (const code of ["invalid_request", "rate_limited", "guardrail_violation", "budget_exceeded", "upstream_bad_request", "context_window_exceeded", "client_closed_request"] as const) {
      expect(exceptionAlert(failed({ status: 400, errorCode: code })), code).toBeUndefined();
    }
    expect(exceptionAlert(failed({ op: undefined, route: "key_admin", errorCode: "internal_error" }))).toBeUndefined();
  });

  it("llm_too_slow for successful requests slower than the threshold", () => {
    expect(slowAlert(record({ durationMs: 2500 }), 2000)?.numbers).toEqual({ "duration (s)": 2.5, "upstream (s)": 0.1, stream: "no" });
    expect(slowAlert(record({ durationMs: 1999 }), 2000)).toBeUndefined();
    expect(slowAlert(failed({ durationMs: 9000 }), 2000)).toBeUndefined();
  });
});

describe("Slack alerting in a gateway process", () => {
  it("is undefined when alerting is off", () => {
    const loaded = parseConfigText("model_list: []\n", "t.yaml", {});
    expect(createAlerting(loaded, { logger, env: {}, table: tableOf() })).toBeUndefined();
  });

  it("turns a burst of 1,000 failed requests into one message, deduplicated, with the deployment and a dashboard link", () => {
    const h = harness("", { SLACK_WEBHOOK_URL: "https://hooks.example/x", PHAROS_DASHBOARD_URL: "http://grafana:3000" });
    for (let i = 0; i < 1000; i++) h.alerting.observer(failed());
    h.alerting.flush();
    expect(h.sent).toHaveLength(1);
    expect(h.sent[0]?.url).toBe("https://hooks.example/x");
    const text = h.texts()[0] ?? "";
    expect(text).toContain("[1000 alerts] LLM API call failed: upstream_server_error (HTTP 500)");
    expect(text).toContain("deployment `mini-b`");
    expect(text).toContain("api_base `http://10.0.0.2:8000/v1`");
    expect(text).toContain("http://grafana:3000/d/pharos-models?var-model_group=gpt-4o-mini");
    expect(text).toContain("Internal Server Error from upstream");
  });

  it("reports slow responses with the slowest duration, and only over alerting_threshold (seconds)", () => {
    const h = harness("  alerting_threshold: 2\n");
    h.alerting.observer(record({ durationMs: 1500 }));
    h.alerting.observer(record({ durationMs: 2500 }));
    h.alerting.observer(record({ durationMs: 7250 }));
    h.alerting.flush();
    expect(h.sent).toHaveLength(1);
    expect(h.texts()[0]).toContain("[2 alerts] LLM response slower than alerting_threshold (2 s)");
    expect(h.texts()[0]).toContain("slowest: *7.25 s*");
  });

  it("reports cooldowns this instance decided, not the ones shared from others", () => {
    const h = harness();
    h.alerting.onRouterEvent({ type: "cooldown_started", deployment: miniB, errorCode: "upstream_server_error", reason: "3 failures in 60 s (allowed_fails 2)", seconds: 29.9996, source: "local" });
    h.alerting.onRouterEvent({ type: "cooldown_started", deployment: miniA, errorCode: "upstream_timeout", reason: "shared", seconds: 30, source: "shared" });
    h.alerting.flush();
    expect(h.sent).toHaveLength(1);
    expect(h.texts()[0]).toContain("Deployment cooled down for 30 s after upstream_server_error");
    expect(h.texts()[0]).toContain("cooldown (s): *30*");
    expect(h.texts()[0]).not.toContain("mini-a");
  });

  it("turns failed calls into minor then major outage alerts in the same window", () => {
    const h = harness();
    for (let i = 0; i < 12; i++) h.alerting.onRouterEvent({ type: "attempt", group: "gpt-4o-mini", deployment: miniB, outcome: "failure", errorCode: "upstream_server_error", durationMs: 5, fallbackDepth: 0 });
    for (let i = 0; i < 12; i++) h.alerting.onRouterEvent({ type: "attempt", group: "gpt-4o-mini", deployment: miniA, outcome: "success", errorCode: undefined, durationMs: 5, fallbackDepth: 0 });
    h.alerting.flush();
    const outage = h.texts().find((text) => text.includes("Deployment outage")) ?? "";
    expect(outage).toContain("Major outage: 10 failed calls in 60 s");
    expect(outage).toContain("Minor outage: 5 failed calls in 60 s");
    expect(outage).not.toContain("mini-a");
  });

  it("budget_alerts from refused requests and from spend readings; db_exceptions from the database code", () => {
    const h = harness();
    const auth = { kind: "virtual", keyHash: "0123456789abcdef", keyAlias: "team-a", models: undefined, metadata: undefined } as const;
    h.alerting.observer(record({ status: 400, errorCode: "budget_exceeded", errorMessage: "Budget has been exceeded for key 'team-a'", auth }));
    h.alerting.observer(record({ status: 400, errorCode: "budget_exceeded", auth }));
    h.alerting.budget({ keyHash: "fedcba9876543210", keyAlias: "team-b", spend: 9.6, maxBudget: 10 });
    h.alerting.dbException("spend write", Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }));
    h.alerting.flush();
    const all = h.texts().join("\n");
    expect(all).toContain("Budget crossed: team-a");
    expect(all).not.toContain("[2 alerts] Budget crossed");
    expect(all).toContain("Budget almost spent (5% left): team-b");
    expect(all).toContain("Database spend write failed: ECONNREFUSED");
    expect(all).not.toContain("0123456789abcdef");
  });

  it("new_model_added when /model/new added a deployment to the table", () => {
    const h = harness();
    h.alerting.observer(record({ route: "model_admin", method: "POST", status: 200, op: undefined }));
    const added = { id: "new-1", group: "llama", model: "ollama_chat/llama3.2", apiBaseForHeader: "http://10.0.0.9:11434" } as unknown as Deployment;
    h.table.byId.set("new-1", added);
    h.alerting.observer(record({ route: "model_admin", method: "GET", status: 200, op: undefined }));
    h.alerting.flush();
    expect(h.sent).toHaveLength(0);
    h.alerting.observer(record({ route: "model_admin", method: "POST", status: 200, op: undefined }));
    h.alerting.flush();
    expect(h.texts()[0]).toContain("Model added: llama (ollama_chat/llama3.2)");
  });

  it("sends only the alert types asked for", () => {
    const h = harness("  alert_types: [llm_too_slow]\n  alerting_threshold: 1\n");
    h.alerting.observer(failed());
    h.alerting.observer(record({ durationMs: 5000 }));
    h.alerting.flush();
    expect(h.sent).toHaveLength(1);
    expect(h.texts()[0]).toContain("Slow LLM responses");
  });

  it("never throws into the request path, whatever the record", () => {
    const h = harness();
    expect(() => h.alerting.observer(record({ deployment: undefined, group: undefined, errorCode: "internal_error", status: 500 }))).not.toThrow();
    expect(() => h.alerting.onRouterEvent({ type: "health_check", deployment: miniA, healthy: false, latencyMs: 1, error: "x" })).not.toThrow();
  });

  it("db_exceptions when the database connection is lost (once per outage)", async () => {
    vi.useFakeTimers({ now: 0 });
    const env = { SLACK_WEBHOOK_URL: "https://hooks.example/x", PHAROS_ALERTING_FLUSH_SECONDS: "1" };
    const loaded = parseConfigText("model_list: []\ngeneral_settings:\n  alerting: [slack]\n", "test.yaml", env);
    const sent: SlackMessage[] = [];
    const database = { state: "connected", reason: undefined as string | undefined };
    const alerting = createAlerting(loaded, { logger, env, table: tableOf(), database, sink: { send: (_url, message) => sent.push(message) } });
    if (alerting !== undefined) started.push(alerting);
    await vi.advanceTimersByTimeAsync(3000);
    expect(sent).toHaveLength(0);
    database.state = "disconnected";
    database.reason = "connect ECONNREFUSED 127.0.0.1:5432";
    await vi.advanceTimersByTimeAsync(5000);
    expect(sent).toHaveLength(1);
    expect(JSON.stringify(sent[0]?.blocks)).toContain("Database connection failed: connection lost");
    expect(JSON.stringify(sent[0]?.blocks)).toContain("ECONNREFUSED 127.0.0.1:5432");
    expect(JSON.stringify(sent[0]?.blocks)).toContain("/d/pharos-cache-data");
  });

  it("sends the daily report on its schedule: top failing and slowest deployments", async () => {
    vi.useFakeTimers({ now: 0 });
    const h = harness("  alerting_args:\n    daily_report_frequency: 3600\n    report_check_interval: 60\n", { SLACK_WEBHOOK_URL: "https://hooks.example/x" }, () => Date.now());
    for (let i = 0; i < 10; i++) h.alerting.onRouterEvent({ type: "attempt", group: "gpt-4o-mini", deployment: miniB, outcome: i < 3 ? "failure" : "success", errorCode: i < 3 ? "upstream_timeout" : undefined, durationMs: 4000, fallbackDepth: 0 });
    h.alerting.onRouterEvent({ type: "attempt", group: "gpt-4o-mini", deployment: miniA, outcome: "success", errorCode: undefined, durationMs: 500, fallbackDepth: 0 });
    await vi.advanceTimersByTimeAsync(3_540_000);
    h.alerting.flush();
    expect(h.texts().some((text) => text.includes("Daily report"))).toBe(false);
    await vi.advanceTimersByTimeAsync(120_000);
    h.alerting.flush();
    const report = h.texts().find((text) => text.includes("Daily report")) ?? "";
    expect(report).toContain("1. gpt-4o-mini / mini-b (http://10.0.0.2:8000/v1): 3 failed of 10 calls (30.0 %)");
    expect(report).toMatch(/1\. gpt-4o-mini \/ mini-b .*: 4\.00 s average, 4\.00 s slowest, 10 calls.*2\. gpt-4o-mini \/ mini-a .*: 0\.50 s average/);
  });
});

describe("hanging requests", () => {
  it("reports an LLM request open longer than the threshold once, with what the request state knows", async () => {
    let now = 0;
    const hanging = new HangingRequests(2000, () => now);
    const state: RequestState = { ...newRequestState("c1", 0), route: "chat_completions", group: "gpt-4o-mini", deployment: miniB };
    let release!: () => void;
    const done = hanging.middleware({ state } as never, () => new Promise<void>((resolve) => (release = resolve)));
    const quick = hanging.middleware({ state: { ...newRequestState("c2", 0), route: "models" } } as never, async () => undefined);
    await quick;
    expect(hanging.size).toBe(1);
    now = 1999;
    expect(hanging.sweep()).toEqual([]);
    now = 2500;
    const [alert, ...rest] = hanging.sweep();
    expect(rest).toEqual([]);
    expect(alert).toMatchObject({ type: "llm_requests_hanging", group: "gpt-4o-mini", deploymentId: "mini-b", apiBase: "http://10.0.0.2:8000/v1" });
    expect(alert?.numbers?.["open for (s)"]).toBe(3);
    now = 10_000;
    expect(hanging.sweep()).toEqual([]);
    release();
    await done;
    expect(hanging.size).toBe(0);
  });
});

describe("the daily report", () => {
  it("is empty for a quiet period and starts a new period after each report", () => {
    const report = new DailyReport(0);
    expect(report.take(1000)).toEqual([]);
    report.attempt(miniA, true, 100);
    expect(report.take(3_600_000)).toHaveLength(2);
    expect(report.take(7_200_000)).toEqual([]);
  });
});
