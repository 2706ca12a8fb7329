/**
 * When a request to a rate-limited deployment must be reserved in Redis before it is sent, and
 * how much an instance may send without asking. Pure: what the instance knows in, a number out.
 *
 * A view of other instances' usage is always up to one poll old, so "my view is comfortably
 * below the limit" cannot make a limit exact on its own: in that time the others may have
 * reserved up to the limit. Instead, the allowance to send without a round trip is itself
 * granted by Redis, atomically within the limit: a *lease* of a few requests, taken (and given
 * back) in the background batch. A request is sent at once while the instance holds a lease;
 * without one it is reserved in Redis first (one round trip, exact). So every request is
 * counted against the limit before it leaves, and the common case — traffic well below the
 * limit — never waits on Redis.
 *
 * The lease an instance aims to hold (`leaseTarget`):
 * - covers its recent traffic for two sync intervals (idle instances hold none);
 * - never more than half an equal share of what is left of the minute's rpm, so instances
 *   cannot starve each other; near the limit (fewer than 2 × instances requests left) it is
 *   0: every request is reserved, one by one;
 * - 0 when the minute's tokens are within a margin of tpm (10 % of tpm, or the tokens the
 *   instances' leases could spend, whichever is more): every request then checks the fresh
 *   token count in Redis. Tokens are only known when a response completes, so tpm can still be
 *   exceeded by the responses already in flight.
 */

export interface RateLimits {
  readonly rpm: number | undefined;
  readonly tpm: number | undefined;
}

export interface LeaseInputs extends RateLimits {
  /** Requests counted this minute across instances (sent, reserved or leased), as last known. */
  readonly granted: number;
  /** Tokens counted this minute across instances, as last known. */
  readonly tokens: number;
  /** This instance's lease not yet used (included in `granted`). */
  readonly leased: number;
  /** Instances sharing the limits (at least 1). */
  readonly instances: number;
  /** This instance's recent peak of requests per sync interval to the deployment. */
  readonly requestsPerInterval: number;
  /** Recent tokens per request of the deployment (0 when not known yet). */
  readonly tokensPerRequest: number;
}

/** A lease covers this many sync intervals of an instance's recent traffic. */
export const LEASE_INTERVALS = 2;
/** Within this fraction of tpm (at least), every request checks the token count in Redis. */
export const TPM_MARGIN_FRACTION = 0.1;

export function hasLimits(limits: RateLimits): boolean {
  return limits.rpm !== undefined || limits.tpm !== undefined;
}

/** Requests this instance should hold as its lease for the deployment (0: reserve every request). */
export function leaseTarget(inputs: LeaseInputs): number {
  let target = Math.ceil(Math.max(0, inputs.requestsPerInterval) * LEASE_INTERVALS);
  if (target === 0) return 0;
  const instances = Math.max(1, inputs.instances);
  if (inputs.rpm !== undefined) {
    const unsent = inputs.rpm - inputs.granted + inputs.leased;
    target = Math.min(target, Math.floor(unsent / (2 * instances)));
  }
  if (inputs.tpm !== undefined && target > 0) {
    const margin = Math.max(inputs.tpm * TPM_MARGIN_FRACTION, instances * target * inputs.tokensPerRequest);
    if (inputs.tpm - inputs.tokens <= margin) target = 0;
  }
  return Math.max(0, target);
}

/**
 * How a lease changes: a positive number is asked for (once what is held or asked for is down to
 * half the target, so steady traffic tops up in batches), a negative one given back (at once).
 */
export function leaseChange(target: number, leased: number, asked: number): number {
  const held = leased + asked;
  if (target > held && held * 2 <= target) return target - held;
  if (target < leased) return target - leased;
  return 0;
}
