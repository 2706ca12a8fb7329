/**
 * The alert hub in a cluster primary (`pharos serve --num-workers N`): one batcher, sender,
 * outage tracker, budget dedup and daily report for every worker, so an incident is counted and
 * reported once for the whole gateway.
 *
 * Wiring (cli/serve.ts, primary, before forking): `const alertHub = createAlertHubHost(loaded,
 * env, logger)`, `alertHub?.onMessage(worker, message)` in runPrimary's onMessage, and
 * `await alertHub?.close()` once the workers are gone (their final events were read before their
 * channel closed). The host sets PHAROS_ALERTS_HOSTED_BY_PRIMARY=1 in the primary's environment,
 * which forked workers inherit: only then do they ship their alert events instead of sending
 * alerts themselves.
 */
import type { Logger } from "pino";
import type { LoadedConfig } from "../config/load.ts";
import { ALERTS_HOSTED_BY_PRIMARY_ENV, isAlertEventsMessage } from "./events.ts";
import { AlertHub } from "./hub.ts";
import type { HubSink } from "./hub.ts";
import { alertingSettings } from "./settings.ts";
import { SlackSender } from "./slack-sender.ts";

const CLOSE_TIMEOUT_MS = 2000;

export interface AlertHubHost {
  readonly hub: AlertHub;
  /** Feed every worker message here; takes alert events, ignores the rest. */
  onMessage(worker: unknown, message: unknown): void;
  /** Sends everything pending (throttle or not), waiting at most `timeoutMs` for Slack. */
  close(timeoutMs?: number): Promise<void>;
}

/** The hub for a cluster primary, started; undefined when Slack alerting is off (workers then have nothing to send). */
export function createAlertHubHost(loaded: LoadedConfig, env: NodeJS.ProcessEnv, logger: Logger, sink?: HubSink): AlertHubHost | undefined {
  // Warnings about the settings are logged by each worker, as in a single process.
  const { settings } = alertingSettings(loaded.config, env);
  if (settings === undefined) return undefined;
  const hub = new AlertHub(settings, sink ?? new SlackSender({ timeoutMs: settings.sendTimeoutMs, logger, username: "Pharos" }), logger);
  hub.start();
  process.env[ALERTS_HOSTED_BY_PRIMARY_ENV] = "1";
  logger.info({ types: [...settings.types] }, "Slack alerting hub on in the primary: the workers' alerts are batched and sent from here");
  return {
    hub,
    onMessage: (_worker, message) => {
      if (isAlertEventsMessage(message)) hub.accept(message.events);
    },
    close: (timeoutMs = CLOSE_TIMEOUT_MS) => hub.close(timeoutMs),
  };
}
