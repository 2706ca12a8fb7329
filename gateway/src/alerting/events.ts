/**
 * The seam between the two halves of Slack alerting:
 *   producer (every gateway process: request records, router events, hanging requests, the
 *            database's state, budget readings) → AlertOutlet → hub (batcher, Slack sender,
 *            outage counts, budget dedup, daily report)
 * In one process the outlet IS the hub (a synchronous call). With `--num-workers N` the hub
 * lives in the cluster primary and each worker's outlet is an outbox (outbox.ts) that squashes
 * what it is given and ships it as AlertEvents over the cluster channel every few hundred
 * milliseconds, so the whole gateway batches, dedups, throttles and counts outages as one.
 *
 * Everything in an AlertEvent is plain JSON data (the cluster channel serializes with JSON).
 */
import type { ErrorCode } from "../errors.ts";
import type { Alert, DeploymentRef, SupportedAlertType } from "./alert.ts";
import type { BudgetNotice } from "./budget-alerts.ts";
import type { ReportStats } from "./daily-report.ts";

/** Where a producer puts what it saw. Every method is a synchronous, bounded in-memory update. */
export interface AlertOutlet {
  /** A finished alert (llm_exceptions, llm_too_slow, hanging, cooldown, db_exceptions, new model). */
  alert(alert: Alert): void;
  /** A failed call that counts towards outage_alerts (408/5xx/connection/malformed). */
  failure(deployment: DeploymentRef, code: ErrorCode): void;
  /** A key reached a budget level (the hub sends each key and level once per budget_alert_ttl). */
  budget(notice: BudgetNotice): void;
  /** One upstream call ended (daily report statistics). */
  attempt(deployment: DeploymentRef, failed: boolean, durationMs: number): void;
}

export type AlertEvent =
  /** `count` alerts with the same type and key, squashed by a worker (first and last kept). */
  | { readonly t: "alerts"; readonly first: Alert; readonly last: Alert; readonly count: number; readonly peak?: number | undefined }
  /** Alerts of a type a worker only counted (more distinct ones than kept). */
  | { readonly t: "overflow"; readonly type: SupportedAlertType; readonly count: number }
  /** `count` outage-class failures of one deployment since the previous shipment. */
  | { readonly t: "failures"; readonly deployment: DeploymentRef; readonly code: ErrorCode; readonly count: number }
  | { readonly t: "budget"; readonly notice: BudgetNotice }
  /** A worker's daily report statistics since its previous shipment. */
  | { readonly t: "report"; readonly stats: readonly ReportStats[] };

export const ALERT_EVENTS = "alert-events";

/** Worker → primary (cluster.ts WorkerMessage). */
export interface AlertEventsMessage {
  readonly kind: typeof ALERT_EVENTS;
  readonly events: readonly AlertEvent[];
}

export function isAlertEventsMessage(value: unknown): value is AlertEventsMessage {
  return value !== null && typeof value === "object" && (value as { kind?: unknown }).kind === ALERT_EVENTS && Array.isArray((value as { events?: unknown }).events);
}

/**
 * Set by a cluster primary that hosts the alert hub; inherited by the workers it forks, which
 * then send their alert events to it instead of batching and sending alerts themselves.
 */
export const ALERTS_HOSTED_BY_PRIMARY_ENV = "PHAROS_ALERTS_HOSTED_BY_PRIMARY";
