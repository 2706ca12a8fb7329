/** Shared fixtures of the Slack alerting unit tests: settings, deployments, request records. */
import { SUPPORTED_ALERT_TYPES } from "../../gateway/src/alerting/alert.ts";
import type { AlertingSettings } from "../../gateway/src/alerting/settings.ts";
import type { RequestRecord } from "../../gateway/src/request-state.ts";
import type { Deployment, DeploymentTable } from "../../gateway/src/router/deployments.ts";
import { requestRecord as baseRecord } from "./request-record.ts";

export function alertingSettings(overrides: Partial<AlertingSettings> = {}): AlertingSettings {
  return {
    types: new Set(SUPPORTED_ALERT_TYPES),
    thresholdMs: 2000,
    webhooks: () => ["https://hooks.example/all"],
    flushIntervalMs: 10_000,
    throttle: { burst: 3, refillMs: 60_000 },
    outage: { windowMs: 60_000, minor: 5, major: 10, maxListSize: 1000 },
    budgetAlertTtlMs: 86_400_000,
    dailyReportMs: 43_200_000,
    reportCheckMs: 3_600_000,
    dashboardUrl: "https://grafana.example",
    instance: "gw-1",
    logToConsole: false,
    sendTimeoutMs: 5000,
    maxPendingPerType: 50,
    ...overrides,
  };
}

/** A deployment of group gpt-4o-mini with just what alerts read (plus `extra`). */
export function miniDeployment(id: string, apiBase: string, extra: Record<string, unknown> = {}): Deployment {
  return { id, group: "gpt-4o-mini", model: "openai/gpt-4o-mini", apiBaseForHeader: apiBase, ...extra } as unknown as Deployment;
}

export function tableOf(...deployments: Deployment[]): DeploymentTable & { byId: Map<string, Deployment> } {
  return { all: deployments, groups: new Map(), byId: new Map(deployments.map((d) => [d.id, d])), groupNames: [] };
}

export function requestRecord(deployment: Deployment, overrides: Partial<RequestRecord> = {}): RequestRecord {
  return baseRecord({ callId: "c1", group: "gpt-4o-mini", deployment, startedAtEpochMs: 1_000, durationMs: 120, upstreamMs: 100, overheadMs: 20, ...overrides });
}

export function failedRecord(deployment: Deployment, overrides: Partial<RequestRecord> = {}): RequestRecord {
  return requestRecord(deployment, { status: 500, errorCode: "upstream_server_error", errorMessage: "Internal Server Error from upstream", ...overrides });
}
