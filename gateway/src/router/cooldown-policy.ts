/**
 * When a failed attempt cools a deployment down. Pure: the error, the deployment's overrides,
 * the router settings and the failure count in, a verdict out.
 *
 * - Only errors the catalogue marks `coolsDown` count (429, 401, 404, 408, 5xx, connection
 *   failures); a client's bad request never does.
 * - Failures are counted per deployment in a window as long as the cooldown time. An error class
 *   with its own `allowed_fails_policy` entry has its own counter and limit; the others share
 *   one counter limited by the deployment's `allowed_fails`, else the router's (default 3).
 * - More than `allowed_fails` failures in the window → cooled down for `cooldown_time`
 *   (deployment, else router, default 5 s), or for the provider's Retry-After when it sent one.
 * - `cooldown_time: 0` or `disable_cooldowns: true` turns cooldowns off.
 * - A model group of one deployment is only cooled when `allowed_fails` (router or deployment)
 *   or `allowed_fails_policy` is set explicitly: cooling the only deployment turns a blip into an
 *   outage, so it takes an operator's decision (LiteLLM also spares single-deployment groups).
 */
import type { ErrorClass } from "../config/schema.ts";
import type { ErrorCode } from "../errors.ts";
import { errorClassOf } from "./error-class.ts";

export interface CooldownSettings {
  readonly disabled: boolean;
  /** Router-wide allowed_fails (LiteLLM's default 3). */
  readonly allowedFails: number;
  readonly allowedFailsPolicy: Readonly<Partial<Record<ErrorClass, number>>>;
  /** Router-wide cooldown_time in seconds (LiteLLM's default 5). */
  readonly cooldownSeconds: number;
  /** allowed_fails or allowed_fails_policy was set in router_settings. */
  readonly explicit: boolean;
}

export interface FailureInput {
  readonly code: ErrorCode;
  readonly coolsDown: boolean;
  readonly retryAfterSeconds: number | undefined;
}

export interface DeploymentOverrides {
  readonly allowedFails: number | undefined;
  readonly cooldownTimeSeconds: number | undefined;
  /** Deployments in the deployment's model group. */
  readonly groupSize: number;
}

export type FailureVerdict =
  | { readonly counts: false }
  | {
      readonly counts: true;
      /** The failure counter this error goes to ("all" or an error class). */
      readonly bucket: string;
      readonly allowedFails: number;
      /** The counting window, and how long a cooldown lasts. */
      readonly windowMs: number;
      readonly cooldownMs: number;
    };

export const DEFAULT_ALLOWED_FAILS = 3;
export const DEFAULT_COOLDOWN_SECONDS = 5;
/** Retry-After values beyond this are capped (a cooldown of a day helps nobody). */
export const MAX_COOLDOWN_SECONDS = 3600;

const DOES_NOT_COUNT: FailureVerdict = { counts: false };

export function judgeFailure(failure: FailureInput, deployment: DeploymentOverrides, settings: CooldownSettings): FailureVerdict {
  if (!failure.coolsDown || settings.disabled) return DOES_NOT_COUNT;
  if (deployment.groupSize <= 1 && !settings.explicit && deployment.allowedFails === undefined) return DOES_NOT_COUNT;
  const cooldownSeconds = deployment.cooldownTimeSeconds ?? settings.cooldownSeconds;
  if (cooldownSeconds <= 0) return DOES_NOT_COUNT;
  const errorClass = errorClassOf(failure.code);
  const classLimit = errorClass === undefined ? undefined : settings.allowedFailsPolicy[errorClass];
  const retryAfter = failure.retryAfterSeconds;
  const cooldownMs = Math.min(retryAfter !== undefined && retryAfter > 0 ? retryAfter : cooldownSeconds, MAX_COOLDOWN_SECONDS) * 1000;
  return {
    counts: true,
    bucket: classLimit === undefined ? "all" : errorClass!,
    allowedFails: classLimit ?? deployment.allowedFails ?? settings.allowedFails,
    windowMs: cooldownSeconds * 1000,
    cooldownMs,
  };
}

/** LiteLLM's rule: cool down once the failures in the window exceed allowed_fails. */
export function exceedsAllowedFails(verdict: FailureVerdict, failuresInWindow: number): boolean {
  return verdict.counts && failuresInWindow > verdict.allowedFails;
}
