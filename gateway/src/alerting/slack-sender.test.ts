import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { startSlackReceiver } from "../../../tests/support/slack-receiver.ts";
import type { SlackReceiver } from "../../../tests/support/slack-receiver.ts";
import { waitFor } from "../../../tests/support/wait-for.ts";
import type { SlackMessage } from "./block-kit.ts";
import { redactWebhook, SlackSender } from "./slack-sender.ts";

const logger = pino({ level: "silent" });
const receivers: SlackReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

async function receiver(): Promise<SlackReceiver> {
  const started = await startSlackReceiver();
  receivers.push(started);
  return started;
}

const message = (n: number): SlackMessage => ({ text: `alert ${n}`, blocks: [{ type: "section", text: { type: "mrkdwn", text: `*alert ${n}*` } }] });

describe("the Slack sender (@slack/webhook)", () => {
  it("posts text and Block Kit blocks to the webhook", async () => {
    const slack = await receiver();
    const sender = new SlackSender({ timeoutMs: 2000, logger, username: "Pharos" });
    sender.send(`${slack.url}/services/T/B/secret`, message(1));
    await sender.idle(5000);
    expect(slack.posts).toHaveLength(1);
    expect(slack.posts[0]?.path).toBe("/services/T/B/secret");
    expect(slack.posts[0]?.body).toMatchObject({ text: "alert 1", username: "Pharos", blocks: [{ type: "section", text: { type: "mrkdwn", text: "*alert 1*" } }] });
    expect(sender.stats).toEqual({ sent: 1, failed: 0, dropped: 0 });
  });

  it("returns at once and keeps one request in flight when Slack hangs; the queue is bounded", async () => {
    const slack = await receiver();
    slack.behave({ kind: "hang" });
    const sender = new SlackSender({ timeoutMs: 500, logger, maxQueue: 5 });
    for (let i = 0; i < 30; i++) sender.send(`${slack.url}/services/x`, message(i));
    // send() is synchronous: nothing was awaited, one POST is on the wire, the rest queued or dropped.
    expect(sender.stats.dropped).toBe(30 - 1 - 5);
    await waitFor(() => slack.refused() >= 1, { timeoutMs: 5000 });
    await waitFor(() => sender.stats.failed >= 1, { timeoutMs: 5000, what: "the timeout" });
    expect(slack.refused()).toBe(1);
    slack.behave({ kind: "ok" });
    sender.pump();
    await waitFor(() => slack.posts.length >= 5, { timeoutMs: 5000, what: "the queued messages" });
    await sender.idle(5000);
    // The newest five were kept; the one that timed out could not be re-queued (the queue was full).
    expect(slack.posts.map((post) => post.body["text"])).toEqual(["alert 25", "alert 26", "alert 27", "alert 28", "alert 29"]);
    expect(sender.stats).toEqual({ sent: 5, failed: 1, dropped: 25 });
  });

  it("retries a failed message once, then drops and counts it; never throws", async () => {
    const slack = await receiver();
    slack.behave({ kind: "status", status: 500 });
    const sender = new SlackSender({ timeoutMs: 1000, logger });
    sender.send(`${slack.url}/services/x`, message(1));
    await sender.idle(5000);
    expect(sender.stats.failed).toBe(1);
    sender.pump();
    await sender.idle(5000);
    expect(sender.stats).toEqual({ sent: 0, failed: 2, dropped: 1 });
    slack.behave({ kind: "ok" });
    sender.send(`${slack.url}/services/x`, message(2));
    await sender.idle(5000);
    expect(slack.posts.map((post) => post.body["text"])).toEqual(["alert 2"]);
  });

  it("survives a webhook nobody listens on", async () => {
    const sender = new SlackSender({ timeoutMs: 500, logger });
    sender.send("http://127.0.0.1:1/services/x", message(1));
    await sender.idle(5000);
    expect(sender.stats.failed).toBe(1);
  });

  it("never logs a webhook's secret path", () => {
    expect(redactWebhook("https://hooks.slack.com/services/T000/B000/XXXX")).toBe("https://hooks.slack.com/…");
    expect(redactWebhook("not a url")).toBe("(invalid URL)");
  });
});
