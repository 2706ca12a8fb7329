/**
 * The exporters of the monitoring stack as plain processes on free loopback ports:
 * prometheus-node-exporter (host capacity) and prometheus-nginx-exporter (reading an nginx
 * stub_status URL). Stopped by PID with the other monitoring daemons.
 */
import { startDaemon, waitUntilReady } from "./monitoring-daemon.ts";
import type { Daemon } from "./monitoring-daemon.ts";
import { freePort } from "./ports.ts";

export interface Exporter {
  /** host:port to scrape. */
  readonly address: string;
  readonly daemon: Daemon;
}

/** node-exporter with the collectors the rules and dashboards read. */
export async function startNodeExporter(): Promise<Exporter> {
  const port = await freePort();
  const collectors = ["cpu", "meminfo", "loadavg", "filesystem", "vmstat", "uname"].map((name) => `--collector.${name}`);
  const daemon = startDaemon("prometheus-node-exporter", [`--web.listen-address=127.0.0.1:${port}`, "--collector.disable-defaults", ...collectors, "--log.level=warn"]);
  await waitUntilReady(daemon, `http://127.0.0.1:${port}/metrics`, "node-exporter");
  return { address: `127.0.0.1:${port}`, daemon };
}

export async function startNginxExporter(statusUrl: string): Promise<Exporter> {
  const port = await freePort();
  const daemon = startDaemon("prometheus-nginx-exporter", [`-nginx.scrape-uri=${statusUrl}`, `-web.listen-address=127.0.0.1:${port}`]);
  await waitUntilReady(daemon, `http://127.0.0.1:${port}/metrics`, "nginx-exporter");
  return { address: `127.0.0.1:${port}`, daemon };
}
