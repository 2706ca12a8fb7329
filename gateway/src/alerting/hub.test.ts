import { alertingSettings, failedRecord, miniDeployment, requestRecord, tableOf } from "../../../tests/support/alerting-fixtures.ts";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { parseConfigText } from "../config/load.ts";
import type { ErrorCode } from "../errors.ts";
import type { RequestRecord } from "../request-state.ts";
import type { Deployment } from "../router/deployments.ts";
import type { RouterEvent } from "../router/events.ts";
import type { Alert, DeploymentRef } from "./alert.ts";
import { createAlerting } from "./alerting.ts";
import type { Alerting } from "./alerting.ts";
import type { SlackMessage } from "./block-kit.ts";
import type { BudgetNotice } from "./budget-alerts.ts";
import { ALERT_EVENTS, ALERTS_HOSTED_BY_PRIMARY_ENV, isAlertEventsMessage } from "./events.ts";
import type { AlertEvent, AlertEventsMessage, AlertOutlet } from "./events.ts";
import { createAlertHubHost } from "./hub-host.ts";
import { AlertHub } from "./hub.ts";
import { AlertOutbox } from "./outbox.ts";
import type { HubChannel } from "./outbox.ts";
import { createAlertProducer } from "./producer.ts";

const logger = pino({ level: "silent" });
const miniA = miniDeployment("mini-a", "http://10.0.0.1:8000/v1");
// A field that is not plain data: events shipped to the hub must not carry the deployment object.
const miniB = miniDeployment("mini-b", "http://10.0.0.2:8000/v1", { transport: { pool: "not data" } });
const settings = alertingSettings;
const record = (overrides: Partial<RequestRecord> = {}): RequestRecord => requestRecord(miniB, overrides);
const failed = (overrides: Partial<RequestRecord> = {}): RequestRecord => failedRecord(miniB, overrides);

const attempt = (deployment: Deployment, errorCode: ErrorCode | undefined, durationMs = 5): RouterEvent => ({ type: "attempt", group: deployment.group, deployment, outcome: errorCode === undefined ? "success" : "failure", errorCode, durationMs, fallbackDepth: 0 });

/** An outlet that writes down what it is given. */
function recordingOutlet(): AlertOutlet & { calls: string[]; alerts: Alert[]; notices: BudgetNotice[] } {
  const calls: string[] = [];
  const alerts: Alert[] = [];
  const notices: BudgetNotice[] = [];
  return {
    calls,
    alerts,
    notices,
    alert: (alert) => {
      alerts.push(alert);
      calls.push(`alert ${alert.type}`);
    },
    failure: (deployment, code) => calls.push(`failure ${deployment.id} ${code}`),
    budget: (notice) => {
      notices.push(notice);
      calls.push(`budget ${notice.level}`);
    },
    attempt: (deployment, isFailure, durationMs) => calls.push(`attempt ${deployment.id} ${isFailure} ${durationMs}`),
  };
}

function recorder(): { sent: SlackMessage[]; send(url: string, message: SlackMessage): void; texts(): string[]; sections(): string[] } {
  const sent: SlackMessage[] = [];
  return {
    sent,
    send: (_url, message) => sent.push(message),
    texts: () => sent.map((message) => `${message.text}\n${JSON.stringify(message.blocks)}`),
    // The blocks only (the notification text repeats the first lines).
    sections: () => sent.map((message) => JSON.stringify(message.blocks)),
  };
}

/** What the cluster channel does to a message: JSON, as node:cluster serializes it. */
const overTheWire = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** A channel into `hub`, through JSON, counting the messages. */
function channelTo(hub: AlertHub): HubChannel & { messages: AlertEventsMessage[] } {
  const messages: AlertEventsMessage[] = [];
  return {
    messages,
    send: (message, written) => {
      const received = overTheWire(message);
      messages.push(received);
      if (isAlertEventsMessage(received)) hub.accept(received.events);
      written();
      return true;
    },
  };
}

describe("the producer: inputs in, small facts out", () => {
  it("turns records and router events into alerts, outage failures and report statistics, only for the types that are on", () => {
    const outlet = recordingOutlet();
    const producer = createAlertProducer({ settings: settings(), outlet, table: tableOf(miniA, miniB), clock: () => 5_000 });
    producer.observer(record());
    producer.observer(failed());
    producer.observer(record({ durationMs: 2500 }));
    producer.onRouterEvent(attempt(miniB, "upstream_server_error", 40));
    producer.onRouterEvent(attempt(miniB, "upstream_bad_request", 10)); // a client's fault: no outage failure
    producer.onRouterEvent(attempt(miniA, undefined, 7));
    producer.onRouterEvent({ type: "cooldown_started", deployment: miniB, errorCode: "upstream_server_error", reason: "3 failures", seconds: 30, source: "shared" });
    expect(outlet.calls).toEqual([
      "alert llm_exceptions",
      "alert llm_too_slow",
      "attempt mini-b true 40",
      "failure mini-b upstream_server_error",
      "attempt mini-b true 10",
      "attempt mini-a false 7",
    ]);

    const quiet = recordingOutlet();
    const onlySlow = createAlertProducer({ settings: settings({ types: new Set(["llm_too_slow"]) }), outlet: quiet, table: tableOf(miniB), clock: () => 0 });
    onlySlow.observer(failed());
    onlySlow.onRouterEvent(attempt(miniB, "upstream_timeout"));
    onlySlow.budget({ keyHash: "k", keyAlias: "team", spend: 99, maxBudget: 100 });
    onlySlow.dbException("spend log write", new Error("down"));
    onlySlow.observer(record({ durationMs: 9000 }));
    expect(quiet.calls).toEqual(["alert llm_too_slow"]);
  });

  it("forwards a budget reading only when it reaches a level, and a refused request as a crossing", () => {
    const outlet = recordingOutlet();
    const producer = createAlertProducer({ settings: settings(), outlet, table: tableOf(), clock: () => 0 });
    producer.budget({ keyHash: "abc", keyAlias: "team-a", spend: 10, maxBudget: 100 });
    producer.budget({ keyHash: "abc", keyAlias: "team-a", spend: 0, maxBudget: 0 });
    expect(outlet.notices).toEqual([]);
    producer.budget({ keyHash: "abc", keyAlias: "team-a", spend: 96, maxBudget: 100 });
    const auth = { kind: "virtual", keyHash: "def", keyAlias: undefined, models: undefined, metadata: undefined } as const;
    producer.observer(record({ status: 400, errorCode: "budget_exceeded", errorMessage: "Budget has been exceeded", auth }));
    expect(outlet.notices).toEqual([
      { keyHash: "abc", keyAlias: "team-a", level: "5% left", detail: "spend 96.00 of 100.00 USD", numbers: { "spend (USD)": 96, "max budget (USD)": 100 } },
      { keyHash: "def", keyAlias: undefined, level: "crossed", detail: "Budget has been exceeded" },
    ]);
  });
});

describe("a worker's outbox", () => {
  it("squashes what it is given into a few plain events and is empty afterwards", () => {
    const outbox = new AlertOutbox(settings({ maxPendingPerType: 2 }), { send: () => true }, () => 0);
    const producer = createAlertProducer({ settings: settings(), outlet: outbox, table: tableOf(miniA, miniB), clock: () => 0 });
    for (let i = 0; i < 1000; i++) producer.observer(failed({ startedAtEpochMs: i }));
    producer.observer(record({ durationMs: 2500 }));
    producer.observer(record({ durationMs: 7250 }));
    for (const code of ["upstream_a", "upstream_b", "upstream_c"]) producer.observer(failed({ errorCode: "upstream_timeout", deployment: { ...miniA, id: code } as Deployment }));
    for (let i = 0; i < 7; i++) producer.onRouterEvent(attempt(miniB, "upstream_server_error", 100 + i));
    producer.onRouterEvent(attempt(miniA, "upstream_timeout", 3000));

    const events = overTheWire(outbox.take(true));
    const exceptions = events.filter((event): event is Extract<AlertEvent, { t: "alerts" }> => event.t === "alerts" && event.first.type === "llm_exceptions");
    expect(exceptions.map((event) => [event.first.deploymentId, event.count])).toEqual([
      ["mini-b", 1000],
      ["upstream_a", 1],
    ]);
    expect(exceptions[0]?.first.at).toBe(120);
    expect(exceptions[0]?.last.at).toBe(999 + 120);
    expect(events).toContainEqual({ t: "overflow", type: "llm_exceptions", count: 2 });
    const slow = events.find((event) => event.t === "alerts" && event.first.type === "llm_too_slow");
    expect(slow).toMatchObject({ count: 2, peak: 7.25 });
    expect(events).toContainEqual({ t: "failures", deployment: { id: "mini-b", group: "gpt-4o-mini", apiBaseForHeader: "http://10.0.0.2:8000/v1" }, code: "upstream_server_error", count: 7 });
    expect(events).toContainEqual({ t: "failures", deployment: { id: "mini-a", group: "gpt-4o-mini", apiBaseForHeader: "http://10.0.0.1:8000/v1" }, code: "upstream_timeout", count: 1 });
    const report = events.find((event) => event.t === "report");
    expect(report).toEqual({
      t: "report",
      stats: [
        { deployment: { id: "mini-b", group: "gpt-4o-mini", apiBaseForHeader: "http://10.0.0.2:8000/v1" }, calls: 7, failures: 7, totalMs: 721, maxMs: 106 },
        { deployment: { id: "mini-a", group: "gpt-4o-mini", apiBaseForHeader: "http://10.0.0.1:8000/v1" }, calls: 1, failures: 1, totalMs: 3000, maxMs: 3000 },
      ],
    });
    expect(events.length).toBeLessThanOrEqual(8);
    expect(outbox.take(true)).toEqual([]);
  });

  it("ships the daily report statistics only with the periodic report shipment and at close", () => {
    const outbox = new AlertOutbox(settings(), { send: () => true }, () => 0);
    outbox.attempt(miniB, false, 10);
    expect(outbox.take(false)).toEqual([]);
    expect(outbox.take(true)).toHaveLength(1);
  });

  it("forwards a key's budget level at most once a minute: a key near its budget reads on every request", () => {
    let now = 0;
    const outbox = new AlertOutbox(settings(), { send: () => true }, () => now);
    const notice: BudgetNotice = { keyHash: "abc", keyAlias: "team-a", level: "15% left", detail: "spend 90 of 100" };
    for (let i = 0; i < 100; i++) outbox.budget(notice);
    outbox.budget({ ...notice, level: "5% left" });
    expect(outbox.take(false)).toHaveLength(2);
    now = 59_999;
    outbox.budget(notice);
    expect(outbox.take(false)).toEqual([]);
    now = 60_000;
    outbox.budget(notice);
    expect(outbox.take(false)).toEqual([{ t: "budget", notice }]);
  });

  it("sends nothing while nothing happens, and never throws when the channel is gone", async () => {
    let messages = 0;
    const outbox = new AlertOutbox(settings(), { send: (_message, written) => (messages++, written(), true) }, () => 0);
    await outbox.ship(true);
    expect(messages).toBe(0);
    const broken = new AlertOutbox(settings(), { send: () => { throw new Error("ERR_IPC_CHANNEL_CLOSED"); } }, () => 0);
    broken.alert({ type: "db_exceptions", level: "High", key: "k", title: "t", dashboard: "pharos-cache-data", at: 0 });
    await expect(broken.ship()).resolves.toBeUndefined();
    const closed = new AlertOutbox(settings(), { send: () => false }, () => 0);
    closed.attempt(miniA, true, 1);
    await expect(closed.close(50)).resolves.toBeUndefined();
  });
});

describe("the hub: events in, alerts out", () => {
  it("counts outage failures from every worker together: 5 + 5 is one minor and one major outage", () => {
    const sink = recorder();
    const hub = new AlertHub(settings(), sink, logger, () => 10_000);
    const ref: DeploymentRef = { id: "mini-b", group: "gpt-4o-mini", apiBaseForHeader: "http://10.0.0.2:8000/v1" };
    hub.accept([{ t: "failures", deployment: ref, code: "upstream_server_error", count: 3 }]);
    hub.accept([{ t: "failures", deployment: ref, code: "upstream_timeout", count: 4 }]);
    hub.accept([{ t: "failures", deployment: ref, code: "upstream_server_error", count: 3 }]);
    hub.accept([{ t: "failures", deployment: ref, code: "upstream_server_error", count: 5 }]);
    hub.flush();
    expect(sink.sent).toHaveLength(1);
    const text = sink.sections()[0] ?? "";
    expect(text.match(/Minor outage: 5 failed calls in 60 s/g)).toHaveLength(1);
    expect(text.match(/Major outage: 10 failed calls in 60 s/g)).toHaveLength(1);
    expect(text).toContain("errors: upstream_server_error ×6, upstream_timeout ×4");
    expect(text).toContain("api_base `http://10.0.0.2:8000/v1`");
  });

  it("squashes the same alert from several workers into one line, keeping the first detail and the peak", () => {
    const sink = recorder();
    const hub = new AlertHub(settings(), sink, logger, () => 10_000);
    const slow = (at: number, seconds: number): Alert => ({ type: "llm_too_slow", level: "Low", key: "g\0d", title: "LLM response slower than alerting_threshold (2 s)", detail: `first at ${at}`, group: "g", deploymentId: "d", peak: { name: "slowest", value: seconds, unit: "s" }, dashboard: "pharos-models", at });
    hub.accept(overTheWire([{ t: "alerts", first: slow(1, 3), last: slow(2, 4), count: 2, peak: 4 }] satisfies AlertEvent[]));
    hub.accept(overTheWire([{ t: "alerts", first: slow(3, 9.5), last: slow(3, 9.5), count: 1, peak: 9.5 }, { t: "overflow", type: "llm_too_slow", count: 4 }] satisfies AlertEvent[]));
    expect(hub.pendingCount("llm_too_slow")).toBe(7);
    hub.flush();
    expect(sink.sent).toHaveLength(1);
    const text = sink.texts()[0] ?? "";
    expect(text).toContain("Slow LLM responses [7 alerts]");
    expect(text).toContain("[3 alerts] LLM response slower than alerting_threshold (2 s)");
    expect(text).toContain("slowest: *9.50 s*");
    expect(text).toContain("first at 1");
    expect(text).toContain("and 4 more alerts");
  });

  it("sends a key's budget level once, whichever worker reports it", () => {
    const sink = recorder();
    let now = 0;
    const hub = new AlertHub(settings(), sink, logger, () => now);
    const notice: BudgetNotice = { keyHash: "0123456789abcdef", keyAlias: undefined, level: "crossed", detail: "Budget has been exceeded" };
    hub.accept(overTheWire([{ t: "budget", notice }]));
    hub.accept(overTheWire([{ t: "budget", notice }]));
    now = 3_600_000;
    hub.accept(overTheWire([{ t: "budget", notice }]));
    hub.flush();
    expect(sink.sent).toHaveLength(1);
    expect(sink.texts()[0]).toContain("Budget crossed: key 01234567…");
    expect(sink.texts()[0]).not.toContain("[2 alerts]");
  });

  it("merges the workers' daily report statistics into one report", () => {
    const hub = new AlertHub(settings(), recorder(), logger, () => 7_200_000);
    const b = { id: "mini-b", group: "gpt-4o-mini", apiBaseForHeader: "http://10.0.0.2:8000/v1" };
    hub.attempt(miniA, false, 500);
    hub.accept([{ t: "report", stats: [{ deployment: b, calls: 4, failures: 1, totalMs: 16_000, maxMs: 5000 }] }]);
    hub.accept([{ t: "report", stats: [{ deployment: b, calls: 6, failures: 2, totalMs: 24_000, maxMs: 6000 }, { deployment: b, calls: 0, failures: 0, totalMs: 0, maxMs: 0 }] }]);
    const [failing, slowest] = hub.takeReport();
    expect(failing?.detail).toBe("1. gpt-4o-mini / mini-b (http://10.0.0.2:8000/v1): 3 failed of 10 calls (30.0 %)");
    expect(slowest?.detail).toMatch(/^1\. gpt-4o-mini \/ mini-b .*: 4\.00 s average, 6\.00 s slowest, 10 calls\n2\. gpt-4o-mini \/ mini-a .*: 0\.50 s average/);
    expect(failing?.numbers).toMatchObject({ calls: 11, failed: 3 });
  });

  it("skips malformed events instead of throwing", () => {
    const sink = recorder();
    const hub = new AlertHub(settings(), sink, logger, () => 0);
    const junk = [{ t: "alerts" }, { t: "failures", count: 3 }, { t: "nonsense" }, { t: "report", stats: [null, { deployment: null }] }, { t: "overflow", type: "llm_exceptions", count: Number.NaN }] as unknown as AlertEvent[];
    expect(() => hub.accept(junk)).not.toThrow();
    expect(() => hub.flush()).not.toThrow();
    expect(sink.sent).toEqual([]);
  });
});

describe("workers and a hub, end to end in one process", () => {
  const started: Alerting[] = [];
  afterEach(async () => {
    for (const alerting of started.splice(0)) await alerting.close(10);
  });

  function cluster(workers: number): { hub: AlertHub; sink: ReturnType<typeof recorder>; channel: ReturnType<typeof channelTo>; workers: Alerting[] } {
    const env = { SLACK_WEBHOOK_URL: "https://hooks.example/x" };
    const loaded = parseConfigText("model_list: []\ngeneral_settings:\n  alerting: [slack]\n  alerting_threshold: 2\n", "test.yaml", env);
    const sink = recorder();
    const hub = new AlertHub(settings({ thresholdMs: 2000 }), sink, logger, () => 50_000);
    const channel = channelTo(hub);
    const list = Array.from({ length: workers }, () => {
      const alerting = createAlerting(loaded, { logger, env, table: tableOf(miniA, miniB), clock: () => 50_000, hubChannel: channel, sink: { send: () => expect.fail("a worker never sends to Slack") } });
      if (alerting === undefined) throw new Error("alerting is off");
      started.push(alerting);
      return alerting;
    });
    return { hub, sink, channel, workers: list };
  }

  it("a burst spread over two workers: one exceptions message with every failure, one minor and one major outage", async () => {
    const { hub, sink, channel, workers } = cluster(2);
    expect(workers.map((worker) => worker.hub)).toEqual(["primary", "primary"]);
    for (let i = 0; i < 10; i++) {
      const worker = workers[i % 2];
      worker?.onRouterEvent(attempt(miniB, "upstream_server_error"));
      worker?.observer(failed());
    }
    // Nothing crossed yet: the outboxes ship on their timer (or flush).
    expect(channel.messages).toEqual([]);
    for (const worker of workers) worker.flush();
    await Promise.resolve();
    expect(channel.messages).toHaveLength(2);
    hub.flush();
    const texts = sink.texts();
    const exceptions = texts.filter((text) => text.includes("LLM API calls failed"));
    expect(exceptions).toHaveLength(1);
    expect(exceptions[0]).toContain("[10 alerts] LLM API call failed: upstream_server_error (HTTP 500)");
    const outage = sink.sections().filter((text) => text.includes("Deployment outage")).join("\n");
    expect(outage.match(/Minor outage: 5 failed calls/g)).toHaveLength(1);
    expect(outage.match(/Major outage: 10 failed calls/g)).toHaveLength(1);
  });

  it("a worker that leaves hands over its pending alerts and its report statistics", async () => {
    const { hub, sink, workers } = cluster(2);
    const [leaving, staying] = workers;
    leaving?.onRouterEvent(attempt(miniB, undefined, 3000));
    staying?.onRouterEvent(attempt(miniB, undefined, 1000));
    leaving?.observer(record({ durationMs: 2600 }));
    await leaving?.close(100);
    await staying?.close(100);
    hub.flush();
    expect(sink.texts().join("\n")).toContain("LLM response slower than alerting_threshold (2 s)");
    const [, slowest] = hub.takeReport();
    expect(slowest?.detail).toContain("gpt-4o-mini / mini-b (http://10.0.0.2:8000/v1): 2.00 s average, 3.00 s slowest, 2 calls");
  });
});

describe("the hub in a cluster primary", () => {
  afterEach(() => {
    delete process.env[ALERTS_HOSTED_BY_PRIMARY_ENV];
  });

  it("is off without Slack alerting; else it tells the workers it forks, and takes only alert events", async () => {
    expect(createAlertHubHost(parseConfigText("model_list: []\n", "t.yaml", {}), {}, logger)).toBeUndefined();
    expect(process.env[ALERTS_HOSTED_BY_PRIMARY_ENV]).toBeUndefined();
    const env = { SLACK_WEBHOOK_URL: "https://hooks.example/x" };
    const sink = recorder();
    const host = createAlertHubHost(parseConfigText("model_list: []\ngeneral_settings:\n  alerting: [slack]\n", "t.yaml", env), env, logger, sink);
    expect(process.env[ALERTS_HOSTED_BY_PRIMARY_ENV]).toBe("1");
    const alert: Alert = { type: "db_exceptions", level: "High", key: "spend\0ECONNREFUSED", title: "Database spend log write failed: ECONNREFUSED", dashboard: "pharos-cache-data", at: 1 };
    host?.onMessage({}, { kind: "listening" });
    host?.onMessage({}, { kind: "router-sync", payload: { t: "gone" } });
    host?.onMessage({}, { kind: ALERT_EVENTS, events: "not a list" });
    host?.onMessage({}, { kind: ALERT_EVENTS, events: [{ t: "alerts", first: alert, last: alert, count: 2 }] });
    expect(host?.hub.pendingCount("db_exceptions")).toBe(2);
    await host?.close(10);
    expect(sink.texts()[0]).toContain("[2 alerts] Database spend log write failed: ECONNREFUSED");
  });
});
