/**
 * The producing half of Slack alerting, in every process that serves requests: it reads its
 * inputs and hands small facts to an AlertOutlet (the hub itself, or a worker's outbox):
 *   RequestRecord observer  → llm_exceptions, llm_too_slow, budget crossings, new_model_added
 *   router events           → cooldown_deployment, outage failures, daily report statistics
 *   API-route middleware    → llm_requests_hanging (swept on a timer)
 *   the database's state    → db_exceptions when its connection is lost
 *   budget() / dbException() → budget levels reached, db_exceptions (from the stores)
 * Types that are off produce nothing (the hub would drop them anyway). Every input is a
 * synchronous, bounded update; nothing here calls Slack or waits on anything.
 */
import type { Middleware } from "koa";
import type { RequestObserver, RequestRecord, RequestState } from "../request-state.ts";
import type { Deployment, DeploymentTable } from "../router/deployments.ts";
import type { RouterEvent, RouterEventListener } from "../router/events.ts";
import type { Alert } from "./alert.ts";
import { BudgetAlerts } from "./budget-alerts.ts";
import type { BudgetReading } from "./budget-alerts.ts";
import type { AlertOutlet } from "./events.ts";
import { HangingRequests } from "./hanging-requests.ts";
import { OUTAGE_ERRORS } from "./outage-tracker.ts";
import { budgetCrossing, exceptionAlert, slowAlert } from "./request-alerts.ts";
import type { AlertingSettings } from "./settings.ts";

export interface ProducerDeps {
  readonly settings: AlertingSettings;
  readonly outlet: AlertOutlet;
  readonly table: DeploymentTable;
  readonly clock: () => number;
  /** The database, watched for lost connections (db_exceptions); DatabaseManager fits. */
  readonly database?: { readonly state: string; readonly reason: string | undefined } | undefined;
}

export interface AlertProducer {
  readonly observer: RequestObserver;
  readonly onRouterEvent: RouterEventListener;
  /** undefined when llm_requests_hanging is off. */
  readonly trackHanging: Middleware<RequestState> | undefined;
  budget(reading: BudgetReading): void;
  dbException(operation: string, error: unknown): void;
  /** Sweeps hanging requests and checks the database (its timer does this every few seconds). */
  tick(): void;
  start(): void;
  stop(): void;
}

const MAX_TICK_MS = 5000;

function errorText(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: (error as { code?: unknown }).code === undefined ? error.name : String((error as { code?: unknown }).code), message: error.message };
  return { name: "Error", message: String(error) };
}

export function createAlertProducer(deps: ProducerDeps): AlertProducer {
  const { settings, outlet, table, clock } = deps;
  const on = (type: Alert["type"]): boolean => settings.types.has(type);
  const exceptions = on("llm_exceptions");
  const slow = on("llm_too_slow");
  const budgets = on("budget_alerts");
  const outages = on("outage_alerts");
  const reports = on("daily_reports");
  const cooldowns = on("cooldown_deployment");
  const hanging = on("llm_requests_hanging") ? new HangingRequests(settings.thresholdMs, clock) : undefined;
  const knownModels = new Set(table.byId.keys());
  const add = (alert: Alert | undefined): void => {
    if (alert !== undefined && settings.types.has(alert.type)) outlet.alert(alert);
  };

  const modelsAdded = (now: number): void => {
    for (const [id, deployment] of table.byId) {
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
      if (exceptions) add(exceptionAlert(record));
      const crossing = budgets ? budgetCrossing(record) : undefined;
      if (crossing !== undefined) outlet.budget(BudgetAlerts.crossing(crossing.keyHash, crossing.keyAlias, crossing.message));
    } else if (slow && record.durationMs > settings.thresholdMs) {
      add(slowAlert(record, settings.thresholdMs));
    }
    if (record.route === "model_admin" && record.method === "POST" && record.status === 200) modelsAdded(clock());
  };

  const onRouterEvent: RouterEventListener = (event: RouterEvent) => {
    switch (event.type) {
      case "attempt":
        if (reports) outlet.attempt(event.deployment, event.outcome === "failure", event.durationMs);
        if (outages && event.outcome === "failure" && event.errorCode !== undefined && OUTAGE_ERRORS.has(event.errorCode)) outlet.failure(event.deployment, event.errorCode);
        break;
      case "cooldown_started":
        // Only the instance that decided the cooldown reports it (shared cooldowns arrive on all).
        if (cooldowns && event.source === "local") add(cooldownAlert(event.deployment, event.errorCode, event.reason, event.seconds, clock()));
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
  const tick = (): void => {
    if (hanging !== undefined) for (const alert of hanging.sweep()) add(alert);
    const state = deps.database?.state;
    if (state === "disconnected" && databaseState !== "disconnected") dbException("connection", Object.assign(new Error(deps.database?.reason ?? "the database does not answer"), { code: "connection lost" }));
    databaseState = state;
  };
  let timer: NodeJS.Timeout | undefined;

  return {
    observer,
    onRouterEvent,
    trackHanging: hanging?.middleware,
    budget: (reading) => {
      const notice = budgets ? BudgetAlerts.noticeOf(reading) : undefined;
      if (notice !== undefined) outlet.budget(notice);
    },
    dbException,
    tick,
    start: () => {
      if (timer !== undefined) return;
      timer = setInterval(tick, Math.min(settings.flushIntervalMs, MAX_TICK_MS));
      timer.unref();
    },
    stop: () => {
      clearInterval(timer);
      timer = undefined;
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
