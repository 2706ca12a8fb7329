/**
 * Direct Slack alerting from the gateway (general_settings.alerting: ["slack"]), composed from
 * its two halves and wired by gateway.ts without touching the request pipeline:
 *   producer (producer.ts)  RequestRecord observer, router events, hanging-request middleware,
 *                           the database's state, budget() / dbException() from the stores
 *   hub (hub.ts)            batcher + Slack sender, outage tracker, budget dedup, daily report
 * In a single process the producer hands its inputs to a hub in the same process. In a worker of
 * `pharos serve --num-workers N` whose primary hosts the hub (hub-host.ts), the producer hands
 * them to an outbox (outbox.ts) that ships them over the cluster channel: the gateway alerts as one.
 * Every input is a synchronous, bounded in-memory update; Slack is only called from timers
 * (batcher → sender, with timeouts), so Slack being slow or down never slows or fails a request.
 */
import cluster from "node:cluster";
import type { Middleware } from "koa";
import type { Logger } from "pino";
import type { LoadedConfig } from "../config/load.ts";
import type { RequestObserver, RequestState } from "../request-state.ts";
import type { DeploymentTable } from "../router/deployments.ts";
import type { RouterEventListener } from "../router/events.ts";
import type { BudgetReading } from "./budget-alerts.ts";
import { ALERTS_HOSTED_BY_PRIMARY_ENV } from "./events.ts";
import type { AlertOutlet } from "./events.ts";
import { AlertHub } from "./hub.ts";
import type { HubSink } from "./hub.ts";
import { AlertOutbox, processChannel } from "./outbox.ts";
import type { HubChannel } from "./outbox.ts";
import { createAlertProducer } from "./producer.ts";
import { alertingSettings } from "./settings.ts";
import type { AlertingSettings } from "./settings.ts";
import { SlackSender } from "./slack-sender.ts";

export interface Alerting {
  readonly settings: AlertingSettings;
  /** Hand it every finished request (request-context's observers). */
  readonly observer: RequestObserver;
  /** Subscribe it to the router's events. */
  readonly onRouterEvent: RouterEventListener;
  /** Register on the API routes (undefined when llm_requests_hanging is off). */
  readonly trackHanging: Middleware<RequestState> | undefined;
  /** A key's spend against its budget (budget_alerts at 15 % / 5 % left and crossed). */
  budget(reading: BudgetReading): void;
  /** A database operation failed (db_exceptions). */
  dbException(operation: string, error: unknown): void;
  /** Where alerts are batched and sent: "local" (this process) or "primary" (a cluster worker shipping to its primary). */
  readonly hub: "local" | "primary";
  /** Sends what is pending now (a worker: ships it to the hub now). */
  flush(): void;
  /** Stops the timers and sends everything pending (throttle or not), waiting at most `timeoutMs` for Slack (a worker: hands everything to the hub). */
  close(timeoutMs?: number): Promise<void>;
}

export interface AlertingDeps {
  readonly logger: Logger;
  readonly env: NodeJS.ProcessEnv;
  readonly table: DeploymentTable;
  readonly clock?: () => number;
  /** The database, watched for lost connections (db_exceptions); DatabaseManager fits. */
  readonly database?: { readonly state: string; readonly reason: string | undefined } | undefined;
  /** Where messages go (default: Slack through @slack/webhook). */
  readonly sink?: HubSink;
  /**
   * The channel to a hub in another process (default: the cluster channel when this is a worker
   * whose primary hosts the hub, PHAROS_ALERTS_HOSTED_BY_PRIMARY=1; else the hub is local).
   */
  readonly hubChannel?: HubChannel;
}

const CLOSE_TIMEOUT_MS = 2000;

function remoteHub(env: NodeJS.ProcessEnv): HubChannel | undefined {
  return cluster.isWorker && env[ALERTS_HOSTED_BY_PRIMARY_ENV] === "1" ? processChannel() : undefined;
}

/** Slack alerting for this gateway process, started; undefined when general_settings.alerting has no "slack". */
export function createAlerting(loaded: LoadedConfig, deps: AlertingDeps): Alerting | undefined {
  const { settings, warnings } = alertingSettings(loaded.config, deps.env);
  for (const warning of warnings) deps.logger.warn(warning);
  if (settings === undefined) return undefined;
  const clock = deps.clock ?? Date.now;
  const channel = deps.hubChannel ?? remoteHub(deps.env);
  let hub: AlertHub | undefined;
  let outbox: AlertOutbox | undefined;
  const outlet: AlertOutlet =
    channel === undefined
      ? (hub = new AlertHub(settings, deps.sink ?? new SlackSender({ timeoutMs: settings.sendTimeoutMs, logger: deps.logger, username: "Pharos" }), deps.logger, clock))
      : (outbox = new AlertOutbox(settings, channel, clock));
  const producer = createAlertProducer({ settings, outlet, table: deps.table, clock, database: deps.database });
  producer.start();
  hub?.start();
  outbox?.start();
  deps.logger.info({ types: [...settings.types], thresholdSeconds: settings.thresholdMs / 1000, hub: hub === undefined ? "primary" : "local" }, "Slack alerting on");

  return {
    settings,
    hub: hub === undefined ? "primary" : "local",
    observer: producer.observer,
    onRouterEvent: producer.onRouterEvent,
    trackHanging: producer.trackHanging,
    budget: (reading) => producer.budget(reading),
    dbException: (operation, error) => producer.dbException(operation, error),
    flush: () => {
      hub?.flush();
      void outbox?.ship();
    },
    close: async (timeoutMs = CLOSE_TIMEOUT_MS) => {
      producer.stop();
      await hub?.close(timeoutMs);
      await outbox?.close(timeoutMs);
    },
  };
}
