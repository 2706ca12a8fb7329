import { alertingSettings } from "../../../tests/support/alerting-fixtures.ts";
import pino from "pino";
import { describe, expect, it } from "vitest";
import type { Alert, SupportedAlertType } from "./alert.ts";
import { AlertBatcher } from "./batcher.ts";
import type { SlackMessage } from "./block-kit.ts";
import { buildMessage, dashboardLink, escapeMrkdwn, MAX_SECTIONS } from "./block-kit.ts";
import type { AlertingSettings } from "./settings.ts";
import { MessageThrottle } from "./throttle.ts";

const logger = pino({ level: "silent" });
const settings = (overrides: Partial<AlertingSettings> = {}): AlertingSettings => alertingSettings({ thresholdMs: 300_000, ...overrides });


function exception(deploymentId = "mini-b", code = "upstream_server_error", at = 1_000): Alert {
  return {
    type: "llm_exceptions",
    level: "High",
    key: `gpt-4o-mini\0${deploymentId}\0${code}`,
    title: `LLM API call failed: ${code} (HTTP 500)`,
    detail: "upstream said: <boom> & more",
    group: "gpt-4o-mini",
    deploymentId,
    apiBase: "http://10.0.0.2:8000/v1",
    numbers: { retries: 1 },
    dashboard: "pharos-models",
    at,
  };
}

function recorder(): { sent: { url: string; message: SlackMessage }[]; send(url: string, message: SlackMessage): void } {
  const sent: { url: string; message: SlackMessage }[] = [];
  return { sent, send: (url, message) => sent.push({ url, message }) };
}

const textOf = (message: SlackMessage): string => JSON.stringify(message.blocks);

describe("the alert batcher", () => {
  it("squashes 1,000 identical alerts into one message with [1000 alerts]", () => {
    const sink = recorder();
    const batcher = new AlertBatcher(settings(), sink, logger, () => 5_000);
    for (let i = 0; i < 1000; i++) batcher.add(exception("mini-b", "upstream_server_error", 1_000 + i));
    expect(batcher.pendingCount("llm_exceptions")).toBe(1000);
    batcher.flush();
    expect(sink.sent).toHaveLength(1);
    const message = sink.sent[0]!.message;
    expect(message.text).toMatch(/^:rotating_light: LLM API calls failed \[1000 alerts\] — \[1000 alerts\] LLM API call failed: upstream_server_error/);
    expect(textOf(message)).toContain("[1000 alerts] LLM API call failed: upstream_server_error (HTTP 500)");
    expect(textOf(message).match(/\[1000 alerts\]/g)).toHaveLength(2); // header and the one section
    batcher.flush();
    expect(sink.sent).toHaveLength(1); // nothing new, nothing sent
  });

  it("keeps distinct alerts apart, one section each, in one message per type", () => {
    const sink = recorder();
    const batcher = new AlertBatcher(settings(), sink, logger, () => 5_000);
    for (let i = 0; i < 7; i++) batcher.add(exception("mini-a", "upstream_timeout"));
    for (let i = 0; i < 3; i++) batcher.add(exception("mini-b"));
    batcher.add({ ...exception(), type: "cooldown_deployment", key: "mini-b", title: "Deployment cooled down for 30 s" });
    batcher.flush();
    expect(sink.sent).toHaveLength(2);
    const exceptions = textOf(sink.sent[0]!.message);
    expect(exceptions).toContain("[7 alerts] LLM API call failed: upstream_timeout");
    expect(exceptions).toContain("[3 alerts] LLM API call failed: upstream_server_error");
    expect(exceptions.indexOf("[7 alerts]")).toBeLessThan(exceptions.indexOf("[3 alerts]"));
    expect(textOf(sink.sent[1]!.message)).toContain("Deployment cooled down for 30 s");
  });

  it("throttles each type: after the burst its alerts accumulate into the next allowed message", () => {
    const sink = recorder();
    let now = 0;
    const batcher = new AlertBatcher(settings({ throttle: { burst: 2, refillMs: 60_000 } }), sink, logger, () => now);
    for (let round = 0; round < 7; round++) {
      for (let i = 0; i < 100; i++) batcher.add(exception());
      now += 10_000;
      batcher.flush();
    }
    // Flushes every 10 s: 2 messages at once, then the next one a minute after the first.
    expect(sink.sent.map((entry) => entry.message.text.match(/^\S+ [^[]+\[(\d+) alerts\]/)?.[1])).toEqual(["100", "100", "500"]);
    expect(batcher.pendingCount("llm_exceptions")).toBe(0);
    // Throttled again; at shutdown the final flush sends what is pending anyway.
    for (let i = 0; i < 3; i++) batcher.add(exception());
    now += 1000;
    batcher.flush();
    expect(sink.sent).toHaveLength(3);
    batcher.flush(true);
    expect(sink.sent.at(-1)?.message.text).toContain("[3 alerts]");
    // Another type is not held back by this one.
    batcher.add({ ...exception(), type: "outage_alerts", key: "x", title: "Minor outage" });
    batcher.flush();
    expect(sink.sent.at(-1)?.message.text).toContain("Deployment outage");
  });

  it("keeps at most maxPendingPerType distinct alerts and counts the rest", () => {
    const sink = recorder();
    const batcher = new AlertBatcher(settings({ maxPendingPerType: 20 }), sink, logger, () => 0);
    for (let i = 0; i < 500; i++) batcher.add(exception(`dep-${i}`));
    expect(batcher.pendingCount("llm_exceptions")).toBe(500);
    batcher.flush();
    const message = sink.sent[0]!.message;
    expect(message.text).toContain("[500 alerts]");
    expect(message.blocks.filter((block) => block.type === "section" && JSON.stringify(block).includes("LLM API call failed"))).toHaveLength(MAX_SECTIONS);
    expect(textOf(message)).toContain("… and 490 more alerts of 10 other kinds");
  });

  it("ignores types that are not enabled, and routes each type to its own webhooks", () => {
    const sink = recorder();
    const routes: Partial<Record<SupportedAlertType, string[]>> = { llm_exceptions: ["https://a", "https://b"], cooldown_deployment: [] };
    const batcher = new AlertBatcher(settings({ types: new Set(["llm_exceptions", "cooldown_deployment"]), webhooks: (type) => routes[type] ?? [] }), sink, logger, () => 0);
    batcher.add({ ...exception(), type: "llm_too_slow", key: "slow" });
    batcher.add({ ...exception(), type: "cooldown_deployment", key: "cool" });
    batcher.add(exception());
    batcher.flush();
    expect(sink.sent.map((entry) => entry.url)).toEqual(["https://a", "https://b"]);
    expect(batcher.pendingCount("cooldown_deployment")).toBe(0);
    expect(batcher.pendingCount("llm_too_slow")).toBe(0);
  });
});

describe("Block Kit messages", () => {
  it("name the model group, deployment and api_base, the numbers, and link the dashboard of that group", () => {
    const message = buildMessage("llm_too_slow", [{ first: exception(), last: { ...exception(), peak: { name: "slowest", value: 12.5, unit: "s" } }, count: 4, peak: 31.25 }], {
      dashboardUrl: "https://grafana.example",
      instance: "gw-1",
      overflow: 0,
      now: Date.UTC(2026, 0, 1),
    });
    const text = textOf(message);
    expect(message.blocks[0]).toEqual({ type: "header", text: { type: "plain_text", text: "Slow LLM responses [4 alerts]", emoji: true } });
    expect(text).toContain("model group `gpt-4o-mini`");
    expect(text).toContain("deployment `mini-b`");
    expect(text).toContain("api_base `http://10.0.0.2:8000/v1`");
    expect(text).toContain("retries: *1*");
    expect(text).toContain("slowest: *31.3 s*");
    expect(text).toContain("Level: *High*");
    expect(text).toContain("<https://grafana.example/d/pharos-models?var-model_group=gpt-4o-mini|Models & deployments dashboard>");
    expect(text).toContain("gateway `gw-1`");
    expect(text).toContain("upstream said: &lt;boom&gt; &amp; more");
    expect(message.blocks.length).toBeLessThanOrEqual(50);
  });

  it("escapes Slack's control characters and builds dashboard links without a group", () => {
    expect(escapeMrkdwn("<@here> & <!channel>")).toBe("&lt;@here&gt; &amp; &lt;!channel&gt;");
    expect(dashboardLink("http://g", "pharos-cost", undefined)).toBe("http://g/d/pharos-cost");
    expect(dashboardLink("http://g", "pharos-models", "a b/c")).toBe("http://g/d/pharos-models?var-model_group=a%20b%2Fc");
  });
});

describe("the per-type throttle", () => {
  it("allows a burst, then one message per refill interval, and never more than the burst", () => {
    const throttle = new MessageThrottle<string>(3, 1000);
    expect([0, 0, 0, 0].map(() => throttle.take("a", 0))).toEqual([true, true, true, false]);
    expect(throttle.take("b", 0)).toBe(true);
    expect(throttle.take("a", 999)).toBe(false);
    expect(throttle.take("a", 1000)).toBe(true);
    expect(throttle.take("a", 1500)).toBe(false);
    expect([0, 0, 0, 0].map(() => throttle.take("a", 100_000))).toEqual([true, true, true, false]);
  });
});
