/**
 * Locust's ramp-up (UsersDispatcher): users start in batches of max(1, floor(rate)), one batch
 * every batch/rate seconds, the first at once, until the target count is reached.
 */

export interface SpawnStep {
  /** Milliseconds after the start of the run. */
  readonly atMs: number;
  /** Users running after this step. */
  readonly users: number;
}

export function spawnSchedule(users: number, spawnRate: number): SpawnStep[] {
  if (users <= 0) return [];
  const batch = Math.max(1, Math.floor(spawnRate));
  const intervalMs = (batch / spawnRate) * 1000;
  const steps: SpawnStep[] = [];
  for (let running = 0, i = 0; running < users; i++) {
    running = Math.min(users, running + batch);
    steps.push({ atMs: i * intervalMs, users: running });
  }
  return steps;
}
