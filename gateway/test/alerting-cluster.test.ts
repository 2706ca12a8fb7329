/**
 * Slack alerts from `pharos serve --num-workers 2`: the workers ship their alert inputs to the
 * one alert hub in the primary, so the gateway alerts as one process would.
 * - Upstream 500s spread over both workers (a new connection per request: the primary hands
 *   connections to the workers in turn) make one exceptions message counting every failure, and
 *   exactly one minor and one major outage alert (5 and 10 failures: counted per worker, neither
 *   worker alone would reach 10).
 * - A slow request is reported once.
 * - Failures just before SIGTERM are handed over by the draining workers and sent by the primary:
 *   every failure is counted exactly once over all messages.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MockUpstream } from "../src/mock/mock-upstream.ts";
import { startGateway, stopAllGateways } from "../../tests/support/gateway-process.ts";
import type { GatewayProcess } from "../../tests/support/gateway-process.ts";
import { closeAllMocks, startMock } from "../../tests/support/mock.ts";
import { slackText, startSlackReceiver } from "../../tests/support/slack-receiver.ts";
import type { SlackPost, SlackReceiver } from "../../tests/support/slack-receiver.ts";
import { removeTempDirs } from "../../tests/support/temp-dir.ts";
import { waitFor } from "../../tests/support/wait-for.ts";
import { chat, deployment } from "./router-support.ts";

const FLUSH_SECONDS = 3;
const CLOSE = { connection: "close" };

/** The alert count a message stands for: its header's `[N alerts]`, else 1. */
function alertCount(post: SlackPost): number {
  const header = (post.body["blocks"] as { type: string; text?: { text: string } }[] | undefined)?.find((block) => block.type === "header")?.text?.text ?? "";
  return Number(/\[(\d+) alerts\]/.exec(header)?.[1] ?? 1);
}

const ofType = (type: string) => (post: SlackPost): boolean => slackText(post.body).includes(`\`${type}\``);
/** The sections only (the notification text repeats the first lines). */
const sections = (posts: readonly SlackPost[]): string => posts.map((post) => slackText(post.body["blocks"])).join("\n");

describe("Slack alerts with --num-workers 2", () => {
  let failing: MockUpstream;
  let slow: MockUpstream;
  let slack: SlackReceiver;
  let gateway: GatewayProcess;
  const pidsOf = (marker: string): Set<string | undefined> => new Set(gateway.output().split("\n").filter((line) => line.includes(marker)).map((line) => /"pid":(\d+)/.exec(line)?.[1]));

  beforeAll(async () => {
    [failing, slow, slack] = await Promise.all([startMock(), startMock({ latencyMs: 1500 }), startSlackReceiver()]);
    failing.faults.setDefault({ status: 500 });
    gateway = await startGateway({
      config: {
        model_list: [deployment("gpt-4o-mini", "mini-down", failing), deployment("marker", "marker-1", failing), deployment("slow-model", "slow-1", slow)],
        router_settings: { num_retries: 0 },
        general_settings: { alerting: ["slack"], alerting_threshold: 1 },
      },
      args: ["--num-workers", "2"],
      env: { SLACK_WEBHOOK_URL: `${slack.url}/services/gateway`, PHAROS_ALERTING_FLUSH_SECONDS: String(FLUSH_SECONDS), LITELLM_LOG: "INFO" },
      readyTimeoutMs: 30_000,
    });
    // Both workers must be up (a new connection per request, spread across them by the primary).
    await waitFor(
      async () => {
        await fetch(`${gateway.url}/v1/models`, { headers: CLOSE });
        return pidsOf('"route":"models"').size >= 2;
      },
      { what: "two workers answering", timeoutMs: 20_000 },
    );
  }, 60_000);

  afterAll(async () => {
    await stopAllGateways();
    await closeAllMocks();
    await slack?.close();
    removeTempDirs();
  });

  it("a burst of upstream 500s over both workers: one exceptions message, one minor and one major outage", async () => {
    // A first failure marks the hub's flush: the burst then lands well within the next batch.
    expect((await chat(gateway.url, "marker", {}, CLOSE)).status).toBe(500);
    const marker = await slack.waitForPost((post) => ofType("llm_exceptions")(post) && slackText(post.body).includes("marker-1"), 10_000);
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await chat(gateway.url, "gpt-4o-mini", {}, CLOSE)).status);
    expect(statuses).toEqual(Array.from({ length: 10 }, () => 500));
    expect(pidsOf('"group":"gpt-4o-mini"').size).toBe(2);

    await slack.waitForPost((post) => ofType("outage_alerts")(post) && slackText(post.body).includes("Major outage"), 10_000);
    await sleep(FLUSH_SECONDS * 1000 + 500); // anything else would have been sent by now
    const exceptions = slack.posts.filter((post) => ofType("llm_exceptions")(post) && post.at > marker.at);
    expect(exceptions).toHaveLength(1);
    expect(alertCount(exceptions[0]!)).toBe(10);
    expect(sections(exceptions)).toContain("[10 alerts] LLM API call failed: upstream_server_error (HTTP 500)");
    expect(sections(exceptions)).toContain("deployment `mini-down`");
    const outage = sections(slack.posts.filter(ofType("outage_alerts")));
    expect(outage.match(/Minor outage: 5 failed calls in 60 s/g)).toHaveLength(1);
    expect(outage.match(/Major outage: 10 failed calls in 60 s/g)).toHaveLength(1);
    expect(outage).not.toContain("marker-1");
  }, 40_000);

  it("a slow request is reported once", async () => {
    expect((await chat(gateway.url, "slow-model", {}, CLOSE)).status).toBe(200);
    await slack.waitForPost(ofType("llm_too_slow"), 10_000);
    await sleep(FLUSH_SECONDS * 1000 + 500);
    const slowPosts = slack.posts.filter(ofType("llm_too_slow"));
    expect(slowPosts.reduce((sum, post) => sum + alertCount(post), 0)).toBe(1);
    expect(sections(slowPosts)).toContain("deployment `slow-1`");
    // It may also have been seen open past the threshold by the hanging sweep: once at most.
    const hanging = slack.posts.filter((post) => ofType("llm_requests_hanging")(post) && slackText(post.body).includes("slow-model"));
    expect(hanging.reduce((sum, post) => sum + alertCount(post), 0)).toBeLessThanOrEqual(1);
  }, 30_000);

  it("on SIGTERM the workers hand over what they hold: every failure is counted exactly once", async () => {
    for (let i = 0; i < 4; i++) expect((await chat(gateway.url, "gpt-4o-mini", {}, CLOSE)).status).toBe(500);
    const code = await gateway.stop("SIGTERM");
    if (code !== 0) process.stderr.write(`pharos output:\n${gateway.output().split("\n").filter((line) => !line.includes('"component":"request"')).slice(-40).join("\n")}\n`);
    expect(code).toBe(0);
    const exceptions = slack.posts.filter((post) => ofType("llm_exceptions")(post) && slackText(post.body).includes("mini-down"));
    expect(exceptions.reduce((sum, post) => sum + alertCount(post), 0)).toBe(14);
    // Still one alert per outage level and window.
    const outage = sections(slack.posts.filter(ofType("outage_alerts")));
    expect(outage.match(/Minor outage/g)).toHaveLength(1);
    expect(outage.match(/Major outage/g)).toHaveLength(1);
    expect(gateway.output()).not.toContain("exited unexpectedly");
  }, 30_000);
});
