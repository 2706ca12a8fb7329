/**
 * One alert the gateway sends to Slack itself (general_settings.alerting: ["slack"]), before
 * batching. Detectors build these; the batcher squashes alerts with the same `key` into one
 * line with a count (`[N alerts]`), and the Block Kit builder renders them.
 *
 * Alert types are LiteLLM's (`general_settings.alert_types`), with its levels (Low, Medium,
 * High). Labels are low-cardinality facts from the config (model group, deployment, api_base);
 * never a key or message content.
 */
import type { alertTypes } from "../config/schema.ts";

export type AlertType = (typeof alertTypes)[number];

/** The alert types Pharos sends (the others in the schema are accepted and warned about). */
export const SUPPORTED_ALERT_TYPES = [
  "llm_exceptions",
  "llm_too_slow",
  "llm_requests_hanging",
  "budget_alerts",
  "db_exceptions",
  "daily_reports",
  "cooldown_deployment",
  "outage_alerts",
  "new_model_added",
] as const satisfies readonly AlertType[];

export type SupportedAlertType = (typeof SUPPORTED_ALERT_TYPES)[number];

export type AlertLevel = "Low" | "Medium" | "High";

/** Which Grafana dashboard a message links to (dashboards/*.json uids). */
export type DashboardUid = "pharos-overview" | "pharos-models" | "pharos-cache-data" | "pharos-cost" | "pharos-capacity";

export interface Alert {
  readonly type: SupportedAlertType;
  readonly level: AlertLevel;
  /** Alerts with the same key are the same alert: squashed into one line with a count. */
  readonly key: string;
  /** One line: what happened ("LLM API call failed", "Minor outage", …). */
  readonly title: string;
  /** The details of this occurrence (error message, durations); the first one is kept. */
  readonly detail?: string | undefined;
  readonly group?: string | undefined;
  readonly deploymentId?: string | undefined;
  readonly apiBase?: string | undefined;
  /** Named numbers for the message (kept from the last occurrence, `max` also tracked). */
  readonly numbers?: Readonly<Record<string, number | string>> | undefined;
  /** A number whose largest value across squashed alerts is shown (e.g. duration). */
  readonly peak?: { readonly name: string; readonly value: number; readonly unit: string } | undefined;
  readonly dashboard: DashboardUid;
  /** Date.now() when it happened. */
  readonly at: number;
}

/**
 * What an alert needs to know about a deployment: plain data (a Deployment fits), so it can
 * cross the cluster channel from a worker to the alert hub.
 */
export interface DeploymentRef {
  readonly id: string;
  readonly group: string;
  readonly apiBaseForHeader: string;
}

/** A plain copy of a deployment's reference (a Deployment holds transports: never send it whole). */
export function refOf(deployment: DeploymentRef): DeploymentRef {
  return { id: deployment.id, group: deployment.group, apiBaseForHeader: deployment.apiBaseForHeader };
}

/** Alerts squashed under one key during a batch. */
export interface AlertGroup {
  readonly first: Alert;
  last: Alert;
  count: number;
  peak: number | undefined;
}
