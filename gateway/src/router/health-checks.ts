/**
 * Background health checks (general_settings.background_health_checks): every
 * `health_check_interval` seconds each deployment gets its provider's cheap probe (`/api/tags`
 * for Ollama, the model list for OpenAI-compatible servers, or the seed's `health_check.endpoint`
 * for Ollama deployments), feeding health-state.ts. The router skips unhealthy deployments,
 * and /health answers from this cached state instead of probing on demand.
 */
import type { RawConfig } from "../config/schema.ts";
import type { DeploymentHealthReport, EndpointReport } from "../http/health.ts";
import type { Deployment, DeploymentTable } from "./deployments.ts";
import type { RouterEvents } from "./events.ts";
import { probeDeployment } from "./health-probe.ts";
import type { ProbeOptions } from "./health-probe.ts";
import { DEFAULT_HEALTHY_THRESHOLD, DEFAULT_UNHEALTHY_THRESHOLD, INITIAL_HEALTH, nextHealth } from "./health-state.ts";
import type { HealthRecord, HealthThresholds } from "./health-state.ts";

export interface HealthCheckSettings {
  readonly enabled: boolean;
  readonly intervalMs: number;
  readonly thresholds: HealthThresholds;
  readonly probe: ProbeOptions;
}

/** LiteLLM's default health_check_interval. */
export const DEFAULT_HEALTH_CHECK_INTERVAL_SECONDS = 300;
export const DEFAULT_PROBE_TIMEOUT_SECONDS = 10;

export function healthCheckSettings(config: RawConfig): HealthCheckSettings {
  const seed = config.health_check;
  const general = config.general_settings;
  return {
    enabled: general.background_health_checks === true,
    intervalMs: (general.health_check_interval ?? DEFAULT_HEALTH_CHECK_INTERVAL_SECONDS) * 1000,
    thresholds: { unhealthy: seed?.unhealthy_threshold ?? DEFAULT_UNHEALTHY_THRESHOLD, healthy: seed?.healthy_threshold ?? DEFAULT_HEALTHY_THRESHOLD },
    probe: {
      timeoutMs: (seed?.health_check_timeout ?? DEFAULT_PROBE_TIMEOUT_SECONDS) * 1000,
      expectedField: seed?.expected_response_field,
      endpoint: seed?.endpoint,
    },
  };
}

/** Whether the router may send traffic to a deployment, as far as health checks know. */
export interface HealthView {
  isHealthy(deploymentId: string): boolean;
}

export interface HealthCheckerOptions {
  readonly table: DeploymentTable;
  readonly settings: HealthCheckSettings;
  readonly events?: RouterEvents | undefined;
  /** Called when a deployment goes in or out of service. */
  readonly onTransition?: ((deployment: Deployment, healthy: boolean) => void) | undefined;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

export class HealthChecker implements HealthView {
  private readonly options: HealthCheckerOptions;
  private readonly records = new Map<string, HealthRecord>();
  private timer: NodeJS.Timeout | undefined;
  private firstRound: Promise<void> | undefined;
  private stopped = false;

  constructor(options: HealthCheckerOptions) {
    this.options = options;
  }

  /** Runs the first round at once, then one every interval (rounds never overlap). */
  start(): void {
    if (this.firstRound !== undefined) return;
    this.firstRound = this.round().finally(() => this.schedule());
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.round().finally(() => this.schedule()), this.options.settings.intervalMs);
    this.timer.unref();
  }

  /** Probes every deployment once, in parallel. */
  async round(): Promise<void> {
    const { table, settings, events, onTransition } = this.options;
    await Promise.all(
      table.all.map(async (deployment) => {
        const probe = await probeDeployment(deployment, settings.probe);
        if (this.stopped) return;
        const before = this.records.get(deployment.id) ?? INITIAL_HEALTH;
        const after = nextHealth(before, probe, settings.thresholds, Date.now());
        this.records.set(deployment.id, after);
        if (events?.active === true) events.emit({ type: "health_check", deployment, healthy: probe.healthy, latencyMs: probe.latencyMs, error: probe.error });
        if (before.healthy !== after.healthy) onTransition?.(deployment, after.healthy);
      }),
    );
  }

  isHealthy(deploymentId: string): boolean {
    return this.records.get(deploymentId)?.healthy ?? true;
  }

  record(deploymentId: string): HealthRecord {
    return this.records.get(deploymentId) ?? INITIAL_HEALTH;
  }

  /** /health's answer from the cached state (waits for the first round if it is still running). */
  async report(): Promise<DeploymentHealthReport> {
    await this.firstRound;
    const healthy: EndpointReport[] = [];
    const unhealthy: EndpointReport[] = [];
    for (const deployment of this.options.table.all) {
      const record = this.record(deployment.id);
      const endpoint: EndpointReport = {
        model: deployment.model,
        model_group: deployment.group,
        model_id: deployment.id,
        api_base: deployment.apiBaseForHeader,
        ...(record.last === undefined ? {} : { latency_ms: round2(record.last.latencyMs) }),
      };
      if (record.healthy) healthy.push(endpoint);
      else unhealthy.push({ ...endpoint, error: `${record.consecutiveFailures} failed health checks in a row; last: ${record.last?.error ?? "unhealthy"}` });
    }
    return { healthy_endpoints: healthy, unhealthy_endpoints: unhealthy, healthy_count: healthy.length, unhealthy_count: unhealthy.length };
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }
}
