/**
 * Slack alerting settings, read once at boot from LiteLLM's keys:
 *   general_settings.alerting: ["slack"]       turns it on
 *   SLACK_WEBHOOK_URL (environment)             the default webhook
 *   general_settings.alert_to_webhook_url       per alert type: a URL or a list of URLs
 *   general_settings.alert_types                which types to send (default: all)
 *   general_settings.alerting_threshold         SECONDS, as LiteLLM defines it (default 300): a
 *                                               response slower than this is `llm_too_slow`, a
 *                                               request still open after it is `llm_requests_hanging`.
 *                                               Seed 002 writes `alerting_threshold: 1000  # Alert
 *                                               after 1000 errors`: that is not what the key means
 *                                               (1000 s = 16 min 40 s); a warning says so at boot.
 *   general_settings.alerting_args              LiteLLM's knobs (daily_report_frequency, outage
 *                                               thresholds and windows, budget_alert_ttl, …)
 * Pharos additions (environment): PHAROS_DASHBOARD_URL (Grafana base URL for the links in each
 * message, default http://localhost:3000), PHAROS_ALERTING_FLUSH_SECONDS (batch interval,
 * default 10), SLACK_DAILY_REPORT_FREQUENCY (LiteLLM's variable, seconds).
 */
import { hostname } from "node:os";
import type { RawConfig } from "../config/schema.ts";
import { SUPPORTED_ALERT_TYPES } from "./alert.ts";
import type { AlertType, SupportedAlertType } from "./alert.ts";

export interface AlertingSettings {
  readonly types: ReadonlySet<SupportedAlertType>;
  /** alerting_threshold in milliseconds. */
  readonly thresholdMs: number;
  /** Webhook URLs for an alert type (alert_to_webhook_url, else SLACK_WEBHOOK_URL). */
  readonly webhooks: (type: SupportedAlertType) => readonly string[];
  readonly flushIntervalMs: number;
  /** Per alert type: up to `burst` messages at once, then one more per `refillMs`. */
  readonly throttle: { readonly burst: number; readonly refillMs: number };
  readonly outage: { readonly windowMs: number; readonly minor: number; readonly major: number; readonly maxListSize: number };
  readonly budgetAlertTtlMs: number;
  readonly dailyReportMs: number;
  readonly reportCheckMs: number;
  readonly dashboardUrl: string;
  /** Which gateway sent it (host name), shown in each message. */
  readonly instance: string;
  readonly logToConsole: boolean;
  /** How long one webhook POST may take before it is abandoned. */
  readonly sendTimeoutMs: number;
  /** Distinct alerts kept per type while waiting to be sent (the rest are counted). */
  readonly maxPendingPerType: number;
}

export const DEFAULT_ALERTING_THRESHOLD_SECONDS = 300;
const SECOND = 1000;
const HOUR = 3600 * SECOND;
/** alerting_threshold values at or above this are probably meant as a count (seed 002). */
const SUSPICIOUS_THRESHOLD_SECONDS = 600;

function envSeconds(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const value = Number(env[name]);
  return env[name] !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
}

export interface AlertingSetup {
  /** undefined when Slack alerting is off. */
  readonly settings: AlertingSettings | undefined;
  readonly warnings: readonly string[];
}

export function alertingSettings(config: RawConfig, env: NodeJS.ProcessEnv): AlertingSetup {
  const general = config.general_settings;
  const warnings: string[] = [];
  const channels = general.alerting ?? [];
  for (const channel of channels) {
    if (channel !== "slack") warnings.push(`general_settings.alerting: "${channel}" alerting is not implemented; only "slack" is`);
  }
  if (!channels.includes("slack")) return { settings: undefined, warnings };

  const requested: readonly AlertType[] = general.alert_types ?? SUPPORTED_ALERT_TYPES;
  const types = new Set<SupportedAlertType>();
  for (const type of requested) {
    if ((SUPPORTED_ALERT_TYPES as readonly string[]).includes(type)) types.add(type as SupportedAlertType);
    else warnings.push(`general_settings.alert_types: "${type}" is not implemented and is ignored`);
  }

  const fallback = env["SLACK_WEBHOOK_URL"]?.trim() ?? "";
  const perType = general.alert_to_webhook_url ?? {};
  const webhooks = (type: SupportedAlertType): readonly string[] => {
    const routed = perType[type];
    if (routed !== undefined) return (Array.isArray(routed) ? routed : [routed]).filter((url) => url !== "");
    return fallback === "" ? [] : [fallback];
  };
  if (fallback === "" && [...types].some((type) => webhooks(type).length === 0)) {
    warnings.push('general_settings.alerting: ["slack"] is set but SLACK_WEBHOOK_URL is not: alert types without an alert_to_webhook_url entry are not sent');
  }

  const thresholdSeconds = general.alerting_threshold ?? DEFAULT_ALERTING_THRESHOLD_SECONDS;
  if (thresholdSeconds >= SUSPICIOUS_THRESHOLD_SECONDS) {
    warnings.push(
      `general_settings.alerting_threshold is ${thresholdSeconds}: it is in SECONDS (LiteLLM's meaning), not a number of errors, so only responses slower than ${thresholdSeconds} s are reported as slow or hanging. Outage alerts count errors (alerting_args.minor_outage_alert_threshold).`,
    );
  }

  const args = general.alerting_args ?? {};
  return {
    warnings,
    settings: {
      types,
      thresholdMs: thresholdSeconds * SECOND,
      webhooks,
      flushIntervalMs: (envSeconds(env, "PHAROS_ALERTING_FLUSH_SECONDS") ?? 10) * SECOND,
      throttle: { burst: 3, refillMs: 60 * SECOND },
      outage: {
        windowMs: (args.outage_alert_ttl ?? 60) * SECOND,
        minor: args.minor_outage_alert_threshold ?? 5,
        major: args.major_outage_alert_threshold ?? 10,
        maxListSize: args.max_outage_alert_list_size ?? 1000,
      },
      budgetAlertTtlMs: (args.budget_alert_ttl ?? 24 * 3600) * SECOND,
      dailyReportMs: (args.daily_report_frequency ?? envSeconds(env, "SLACK_DAILY_REPORT_FREQUENCY") ?? 12 * 3600) * SECOND,
      reportCheckMs: Math.min((args.report_check_interval ?? 3600) * SECOND, HOUR),
      dashboardUrl: (env["PHAROS_DASHBOARD_URL"]?.trim() || "http://localhost:3000").replace(/\/+$/, ""),
      instance: hostname(),
      logToConsole: args.log_to_console === true,
      sendTimeoutMs: 5 * SECOND,
      maxPendingPerType: 50,
    },
  };
}
