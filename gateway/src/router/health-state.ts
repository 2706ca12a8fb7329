/**
 * Active health checks as a pure state machine: a deployment that fails `unhealthy_threshold`
 * probes in a row is taken out of routing; `healthy_threshold` successes in a row bring it
 * back. Deployments start healthy (a gateway must serve from its first second).
 */

export interface HealthThresholds {
  /** Failed probes in a row that take a deployment out (the seed's unhealthy_threshold). */
  readonly unhealthy: number;
  /** Successful probes in a row that bring it back (the seed's healthy_threshold). */
  readonly healthy: number;
}

export interface ProbeOutcome {
  readonly healthy: boolean;
  readonly latencyMs: number;
  readonly error: string | undefined;
}

export interface HealthRecord {
  readonly healthy: boolean;
  readonly consecutiveFailures: number;
  readonly consecutiveSuccesses: number;
  /** The last probe, undefined before the first one. */
  readonly last: ProbeOutcome | undefined;
  /** Epoch milliseconds of the last probe. */
  readonly checkedAt: number | undefined;
}

export const DEFAULT_UNHEALTHY_THRESHOLD = 3;
export const DEFAULT_HEALTHY_THRESHOLD = 2;

export const INITIAL_HEALTH: HealthRecord = { healthy: true, consecutiveFailures: 0, consecutiveSuccesses: 0, last: undefined, checkedAt: undefined };

export function nextHealth(record: HealthRecord, probe: ProbeOutcome, thresholds: HealthThresholds, now: number): HealthRecord {
  const consecutiveFailures = probe.healthy ? 0 : record.consecutiveFailures + 1;
  const consecutiveSuccesses = probe.healthy ? record.consecutiveSuccesses + 1 : 0;
  let healthy = record.healthy;
  if (healthy && consecutiveFailures >= thresholds.unhealthy) healthy = false;
  else if (!healthy && consecutiveSuccesses >= thresholds.healthy) healthy = true;
  return { healthy, consecutiveFailures, consecutiveSuccesses, last: probe, checkedAt: now };
}
