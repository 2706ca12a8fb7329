/**
 * Alertmanager's inhibition (alerts/alertmanager.yml `inhibit_rules`), against the real
 * Alertmanager with the repository's config and templates and a local Slack receiver: a firing
 * critical silences the warning of the same alert on the same target, so the page channel gets the
 * critical and the ops channel gets nothing. Controls, so the test can fail: the same warning
 * posted alone (to a second, fresh Alertmanager) does reach Slack, and a warning on another target
 * posted next to the critical is not inhibited.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAlertmanager } from "./support/alertmanager.ts";
import type { AlertmanagerProcess, PostableAlert } from "./support/alertmanager.ts";
import { stopAllDaemons } from "./support/monitoring-daemon.ts";
import { slackText, startSlackReceiver } from "./support/slack-receiver.ts";
import type { SlackPost, SlackReceiver } from "./support/slack-receiver.ts";
import { removeTempDirs } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

/** A disk alert as alerts/host.rules.yml fires it, at a severity, for an instance. */
function diskAlert(severity: "critical" | "warning", instance: string): PostableAlert {
  return {
    labels: { alertname: "PharosHostDiskUsageHigh", severity, job: "node", instance, device: "/dev/vda", fstype: "ext4", mountpoint: "/" },
    annotations: {
      summary: severity === "critical" ? "A filesystem is more than 90 % full." : "A filesystem is more than 80 % full.",
      description: `/ on ${instance} is 95% full.`,
      runbook_url: "docs/runbooks.md#pharoshostdiskusagehigh",
    },
  };
}

const inChannel = (path: string, channel: string) => (post: SlackPost): boolean => post.path === path && post.body["channel"] === channel;
const names = (post: SlackPost, instance: string): boolean => slackText(post.body).includes(`instance: \`${instance}\``);

describe("Alertmanager inhibition: a critical silences the matching warning", () => {
  let slack: SlackReceiver;
  let withCritical: AlertmanagerProcess;
  let alone: AlertmanagerProcess;

  beforeAll(async () => {
    slack = await startSlackReceiver();
    // Two Alertmanagers with the repository's config (group_wait and group_interval 1 s), each
    // posting to its own webhook path: one gets the critical and the warning, the other the warning alone.
    [withCritical, alone] = await Promise.all([startAlertmanager({ slackUrl: `${slack.url}/services/with-critical` }), startAlertmanager({ slackUrl: `${slack.url}/services/alone` })]);
  }, 60_000);

  afterAll(async () => {
    await stopAllDaemons();
    await slack?.close();
    removeTempDirs();
  });

  it("posted together, only the critical reaches Slack (page channel); the warning is held as inhibited by it", async () => {
    // As Prometheus sends them: both in one request. A warning on another disk is posted along.
    await withCritical.post([diskAlert("critical", "node-1:9100"), diskAlert("warning", "node-1:9100"), diskAlert("warning", "node-2:9100")]);
    const page = await slack.waitForPost(inChannel("/services/with-critical", "#pharos-page"), 15_000);
    expect(slackText(page.body)).toContain("[FIRING:1] PharosHostDiskUsageHigh (critical) · node");
    expect(names(page, "node-1:9100")).toBe(true);

    // The inhibition as Alertmanager reports it: the node-1 warning suppressed by the critical's fingerprint.
    const held = await waitFor(async () => {
      const alerts = await withCritical.alerts();
      return alerts.length === 3 && alerts.every((alert) => alert.status.state !== "unprocessed") ? alerts : undefined;
    }, { timeoutMs: 10_000, what: "Alertmanager to process the three alerts" });
    const of = (severity: string, instance: string) => held.find((alert) => alert.labels["severity"] === severity && alert.labels["instance"] === instance);
    expect(of("critical", "node-1:9100")?.status).toMatchObject({ state: "active", inhibitedBy: [] });
    expect(of("warning", "node-1:9100")?.status).toMatchObject({ state: "suppressed", inhibitedBy: [of("critical", "node-1:9100")?.fingerprint], silencedBy: [] });
    expect(of("warning", "node-2:9100")?.status).toMatchObject({ state: "active", inhibitedBy: [] });

    // The ops channel gets the other disk's warning, never node-1's, over several group intervals.
    const ops = await slack.waitForPost(inChannel("/services/with-critical", "#pharos-ops"), 15_000);
    expect(slackText(ops.body)).toContain("[FIRING:1] PharosHostDiskUsageHigh (warning) · node");
    expect(names(ops, "node-2:9100")).toBe(true);
    await sleep(4000);
    const opsPosts = slack.posts.filter(inChannel("/services/with-critical", "#pharos-ops"));
    expect(opsPosts.filter((post) => names(post, "node-1:9100")).map((post) => slackText(post.body))).toEqual([]);
    expect(slack.posts.filter(inChannel("/services/with-critical", "#pharos-page"))).toHaveLength(1);
  }, 40_000);

  it("control: the same warning posted without the critical reaches Slack (ops channel)", async () => {
    await alone.post([diskAlert("warning", "node-1:9100")]);
    const ops = await slack.waitForPost(inChannel("/services/alone", "#pharos-ops"), 15_000);
    expect(slackText(ops.body)).toContain("[FIRING:1] PharosHostDiskUsageHigh (warning) · node");
    expect(names(ops, "node-1:9100")).toBe(true);
    expect((await alone.alerts()).map((alert) => alert.status.state)).toEqual(["active"]);
    expect(slack.posts.filter(inChannel("/services/alone", "#pharos-page"))).toEqual([]);
  }, 30_000);
});
