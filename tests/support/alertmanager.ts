/**
 * A real Alertmanager (Debian's `prometheus-alertmanager`, 0.25 here) for tests, running the
 * repository's alerts/alertmanager.yml and Slack templates with the webhook URL files pointed
 * at a local receiver and the grouping timers shortened.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { ROOT } from "./gateway-process.ts";
import { startDaemon, waitUntilReady } from "./monitoring-daemon.ts";
import type { Daemon } from "./monitoring-daemon.ts";
import { freePort } from "./ports.ts";
import { tempDir } from "./temp-dir.ts";

export interface AlertmanagerOptions {
  /** Webhook URL written into every receiver's api_url_file. */
  readonly slackUrl: string;
  /** group_wait and group_interval (default "1s"). */
  readonly groupTimers?: string;
}

/** An alert as Alertmanager's API v2 holds it. */
export interface HeldAlert {
  readonly labels: Record<string, string>;
  readonly fingerprint: string;
  /** state: active, suppressed (inhibited or silenced) or unprocessed; inhibitedBy: the fingerprints of the alerts that inhibit it. */
  readonly status: { readonly state: string; readonly inhibitedBy: readonly string[]; readonly silencedBy: readonly string[] };
}

/** An alert to post, as Prometheus sends it (POST /api/v2/alerts). */
export interface PostableAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  /** ISO time; omitted = now. */
  readonly startsAt?: string;
  readonly endsAt?: string;
}

export interface AlertmanagerProcess {
  readonly url: string;
  /** host:port, for Prometheus' alerting config. */
  readonly address: string;
  readonly daemon: Daemon;
  readonly configPath: string;
  /** Alerts Alertmanager holds (API v2). */
  alerts(): Promise<HeldAlert[]>;
  /** Posts alerts in one request, as Prometheus does (API v2). */
  post(alerts: readonly PostableAlert[]): Promise<void>;
  stop(): Promise<void>;
}

type Json = Record<string, unknown>;

/** alerts/alertmanager.yml with the secrets files, templates and timers made local. */
export function alertmanagerConfig(options: AlertmanagerOptions, dir: string): string {
  const config = parse(readFileSync(join(ROOT, "alerts/alertmanager.yml"), "utf8")) as Json;
  const timers = options.groupTimers ?? "1s";
  config["templates"] = (config["templates"] as string[]).map((glob) => join(ROOT, "alerts", glob));
  const route = config["route"] as Json;
  route["group_wait"] = timers;
  route["group_interval"] = timers;
  for (const receiver of config["receivers"] as Json[]) {
    for (const slack of (receiver["slack_configs"] as Json[] | undefined) ?? []) {
      const file = join(dir, `${String(receiver["name"])}-webhook-url`);
      writeFileSync(file, options.slackUrl);
      slack["api_url_file"] = file;
    }
  }
  const path = join(dir, "alertmanager.yml");
  writeFileSync(path, stringify(config));
  return path;
}

export async function startAlertmanager(options: AlertmanagerOptions): Promise<AlertmanagerProcess> {
  const dir = tempDir("pharos-alertmanager-");
  const port = await freePort();
  const configPath = alertmanagerConfig(options, dir);
  const daemon = startDaemon("prometheus-alertmanager", [
    `--config.file=${configPath}`,
    `--storage.path=${join(dir, "data")}`,
    `--web.listen-address=127.0.0.1:${port}`,
    "--cluster.listen-address=",
    "--log.level=warn",
  ]);
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(daemon, `${url}/-/ready`, "alertmanager");
  return {
    url,
    address: `127.0.0.1:${port}`,
    daemon,
    configPath,
    async alerts() {
      return (await (await fetch(`${url}/api/v2/alerts`)).json()) as HeldAlert[];
    },
    async post(alerts) {
      const response = await fetch(`${url}/api/v2/alerts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(alerts) });
      if (response.status !== 200) throw new Error(`POST /api/v2/alerts: ${response.status} ${await response.text()}`);
    },
    stop: () => daemon.stop(),
  };
}
