/**
 * Direct Slack alerting from the gateway (general_settings.alerting: ["slack"]), composed from
 * its parts and wired by gateway.ts without touching the request pipeline:
 *   RequestRecord observer  → llm_exceptions, llm_too_slow, budget crossings, new_model_added
 *   router events           → cooldown_deployment, outage_alerts, daily_reports (statistics)
 *   API-route middleware    → llm_requests_hanging
 *   the database's state      → db_exceptions when its connection is lost
 *   budget() / dbException() → budget_alerts at 15 %/5 % left, db_exceptions (for the spend and
 *                              database code to call)
 * Every input is a synchronous, bounded in-memory update; Slack is only called from timers
 * (batcher → sender, with timeouts), so Slack being slow or down never slows or fails a request.
 */
import type { Middleware } from "koa";
import type { Logger } from "pino";
import type { LoadedConfig } from "../config/load.ts";
import type { RequestObserver, RequestRecord, RequestState } from "../request-state.ts";
import type { Deployment, DeploymentTable } from "../router/deployments.ts";
import type { RouterEvent, RouterEventListener } from "../router/events.ts";
import type { Alert } from "./alert.ts";
import { AlertBatcher } from "./batcher.ts";
import type { MessageSink } from "./batcher.ts";
import { BudgetAlerts } from "./budget-alerts.ts";
import type { BudgetReading } from "./budget-alerts.ts";
import { DailyReport } from "./daily-report.ts";
import { HangingRequests } from "./hanging-requests.ts";
import { OutageTracker } from "./outage-tracker.ts";
import { budgetCrossing, exceptionAlert, slowAlert } from "./request-alerts.ts";
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
  /** Sends what is pending now (tests, shutdown). */
  flush(): void;
  /** Stops the timers and sends everything pending (throttle or not), waiting at most `timeoutMs` for Slack. */
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
  readonly sink?: MessageSink & { idle?(timeoutMs: number): Promise<void> };
}

const CLOSE_TIMEOUT_MS = 2000;
const MAX_TICK_MS = 5000;

function errorText(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: (error as { code?: unknown }).code === undefined ? error.name : String((error as { code?: unknown }).code), message: error.message };
  return { name: "Error", message: String(error) };
}

/** Slack alerting for this gateway process, started; undefined when general_settings.alerting has no "slack". */
export function createAlerting(loaded: LoadedConfig, deps: AlertingDeps): Alerting | undefined {
  const { settings, warnings } = alertingSettings(loaded.config, deps.env);
  for (const warning of warnings) deps.logger.warn(warning);
  if (settings === undefined) return undefined;
  const clock = deps.clock ?? Date.now;
  const sender: MessageSink & { idle?(timeoutMs: number): Promise<void> } = deps.sink ?? new SlackSender({ timeoutMs: settings.sendTimeoutMs, logger: deps.logger, username: "Pharos" });
  const batcher = new AlertBatcher(settings, sender, deps.logger, clock);
  const outages = new OutageTracker(settings.outage);
  const budgets = new BudgetAlerts(settings.budgetAlertTtlMs);
  const report = new DailyReport(clock());
  const hanging = settings.types.has("llm_requests_hanging") ? new HangingRequests(settings.thresholdMs, clock) : undefined;
  const knownModels = new Set(deps.table.byId.keys());
  const add = (alert: Alert | undefined): void => {
    if (alert !== undefined) batcher.add(alert);
  };

  const modelsAdded = (now: number): void => {
    for (const [id, deployment] of deps.table.byId) {
      if (knownModels.has(id)) continue;
      knownModels.add(id);
      add({
        type: "new_model_added",
        level: "Low",
        key: id,
        title: `Model added: ${deployment.group} (${deployment.model})`,
        group: deployment.group,
        deploymentId: id,
        apiBase: deployment.apiBaseForHeader,
        dashboard: "pharos-models",
        at: now,
      });
    }
  };

  const observer: RequestObserver = (record: RequestRecord) => {
    if (record.errorCode !== undefined) {
      add(exceptionAlert(record));
      const crossing = budgetCrossing(record);
      if (crossing !== undefined) add(budgets.crossed(crossing.keyHash, crossing.keyAlias, crossing.message, clock()));
    } else if (record.durationMs > settings.thresholdMs) {
      add(slowAlert(record, settings.thresholdMs));
    }
    if (record.route === "model_admin" && record.method === "POST" && record.status === 200) modelsAdded(clock());
  };

  const onRouterEvent: RouterEventListener = (event: RouterEvent) => {
    switch (event.type) {
      case "attempt":
        report.attempt(event.deployment, event.outcome === "failure", event.durationMs);
        if (event.outcome === "failure" && event.errorCode !== undefined) add(outages.failure(event.deployment, event.errorCode, clock()));
        break;
      case "cooldown_started":
        // Only the instance that decided the cooldown reports it (shared cooldowns arrive on all).
        if (event.source === "local") add(cooldownAlert(event.deployment, event.errorCode, event.reason, event.seconds, clock()));
        break;
      default:
        break;
    }
  };

  const dbException = (operation: string, error: unknown): void => {
    const { name, message } = errorText(error);
    add({ type: "db_exceptions", level: "High", key: `${operation}\0${name}`, title: `Database ${operation} failed: ${name}`, detail: message, dashboard: "pharos-cache-data", at: clock() });
  };
  let databaseState = deps.database?.state;
  const tickMs = Math.min(settings.flushIntervalMs, MAX_TICK_MS);
  const tick = setInterval(() => {
    const now = clock();
    if (hanging !== undefined) for (const alert of hanging.sweep()) batcher.add(alert);
    outages.prune(now);
    const state = deps.database?.state;
    if (state === "disconnected" && databaseState !== "disconnected") dbException("connection", Object.assign(new Error(deps.database?.reason ?? "the database does not answer"), { code: "connection lost" }));
    databaseState = state;
  }, tickMs);
  tick.unref();
  let lastReportAt = clock();
  const reportTimer = setInterval(
    () => {
      const now = clock();
      if (now - lastReportAt < settings.dailyReportMs) return;
      lastReportAt = now;
      for (const alert of report.take(now)) batcher.add(alert);
    },
    Math.min(settings.reportCheckMs, settings.dailyReportMs),
  );
  reportTimer.unref();
  batcher.start();
  deps.logger.info({ types: [...settings.types], thresholdSeconds: settings.thresholdMs / 1000 }, "Slack alerting on");

  return {
    settings,
    observer,
    onRouterEvent,
    trackHanging: hanging?.middleware,
    budget: (reading) => add(budgets.reading(reading, clock())),
    dbException,
    flush: () => batcher.flush(),
    close: async (timeoutMs = CLOSE_TIMEOUT_MS) => {
      clearInterval(tick);
      clearInterval(reportTimer);
      batcher.stop();
      batcher.flush(true);
      await sender.idle?.(timeoutMs);
    },
  };
}

function cooldownAlert(deployment: Deployment, errorCode: string | undefined, reason: string, exactSeconds: number, now: number): Alert {
  const seconds = Math.round(exactSeconds * 10) / 10;
  return {
    type: "cooldown_deployment",
    level: "Medium",
    key: `${deployment.id}\0${errorCode ?? reason}`,
    title: `Deployment cooled down for ${seconds} s${errorCode === undefined ? "" : ` after ${errorCode}`}`,
    detail: reason,
    group: deployment.group,
    deploymentId: deployment.id,
    apiBase: deployment.apiBaseForHeader,
    numbers: { "cooldown (s)": seconds },
    dashboard: "pharos-models",
    at: now,
  };
}
