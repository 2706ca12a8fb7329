/**
 * outage_alerts, as LiteLLM defines them: per deployment, count failed calls that mean the
 * deployment is down (timeouts 408, 5xx, connection errors, malformed answers) within a window
 * (alerting_args.outage_alert_ttl, 60 s); at `minor` failures (5) send a minor-outage alert, at
 * `major` (10) a major one — each once per window. Pure state machine over a clock.
 */
import type { ErrorCode } from "../errors.ts";
import type { Alert, DeploymentRef } from "./alert.ts";

export const OUTAGE_ERRORS: ReadonlySet<ErrorCode> = new Set<ErrorCode>(["upstream_timeout", "upstream_server_error", "upstream_connection", "upstream_malformed"]);

export interface OutageSettings {
  readonly windowMs: number;
  readonly minor: number;
  readonly major: number;
  /** Failures remembered per deployment (LiteLLM's max_outage_alert_list_size). */
  readonly maxListSize: number;
}

interface DeploymentFailures {
  /** Epoch ms of recent failures, oldest first. */
  readonly times: number[];
  /** Error codes seen in the window, with counts. */
  readonly codes: Map<ErrorCode, number>;
  minorSentAt: number | undefined;
  majorSentAt: number | undefined;
}

export class OutageTracker {
  private readonly byDeployment = new Map<string, DeploymentFailures>();
  private readonly settings: OutageSettings;

  constructor(settings: OutageSettings) {
    this.settings = settings;
  }

  /** Records a failed call; returns the outage alert it triggers, if any. */
  failure(deployment: DeploymentRef, code: ErrorCode, now: number): Alert | undefined {
    if (!OUTAGE_ERRORS.has(code)) return undefined;
    const { windowMs, minor, major, maxListSize } = this.settings;
    let entry = this.byDeployment.get(deployment.id);
    if (entry === undefined) {
      entry = { times: [], codes: new Map(), minorSentAt: undefined, majorSentAt: undefined };
      this.byDeployment.set(deployment.id, entry);
    }
    while (entry.times.length > 0 && (entry.times[0] ?? now) <= now - windowMs) entry.times.shift();
    if (entry.times.length === 0) entry.codes.clear();
    entry.times.push(now);
    if (entry.times.length > maxListSize) entry.times.shift();
    entry.codes.set(code, (entry.codes.get(code) ?? 0) + 1);
    const count = entry.times.length;
    const fresh = (sentAt: number | undefined): boolean => sentAt === undefined || now - sentAt >= windowMs;
    let level: "minor" | "major" | undefined;
    if (count >= major && fresh(entry.majorSentAt)) {
      level = "major";
      entry.majorSentAt = now;
      entry.minorSentAt ??= now;
    } else if (count >= minor && fresh(entry.minorSentAt)) {
      level = "minor";
      entry.minorSentAt = now;
    }
    if (level === undefined) return undefined;
    const errors = [...entry.codes].map(([name, n]) => `${name} ×${n}`).join(", ");
    return {
      type: "outage_alerts",
      level: level === "major" ? "High" : "Medium",
      key: `${deployment.id}\0${level}`,
      title: `${level === "major" ? "Major" : "Minor"} outage: ${count} failed calls in ${windowMs / 1000} s`,
      detail: `errors: ${errors}`,
      group: deployment.group,
      deploymentId: deployment.id,
      apiBase: deployment.apiBaseForHeader,
      numbers: { failures: count, "window (s)": windowMs / 1000, threshold: level === "major" ? major : minor },
      dashboard: "pharos-models",
      at: now,
    };
  }

  /** Forgets deployments with no failure in the window (called now and then). */
  prune(now: number): void {
    for (const [id, entry] of this.byDeployment) {
      const last = entry.times.at(-1);
      if (last === undefined || last <= now - this.settings.windowMs) this.byDeployment.delete(id);
    }
  }
}
