/**
 * Whether and when the router retries a failed attempt within the same model group. Pure.
 *
 * - Never: the client went away, or the client's request is at fault (400, 422, context
 *   window): another deployment would refuse it too.
 * - How many: `retry_policy.<Class>Retries` when set for the error's class (this also allows
 *   retrying a 401 on a deployment with another key), else `num_retries` for retryable errors.
 * - When: at once if another healthy deployment can take the retry; on the same deployment,
 *   after its Retry-After (up to 60 s; longer → no retry) or an exponential backoff with jitter
 *   (0.5 s, 1 s, 2 s … capped at 8 s, minus up to 25 %), never sooner than `retry_after`.
 */
import type { ErrorClass } from "../config/schema.ts";
import type { ErrorCode } from "../errors.ts";
import { errorClassOf } from "./error-class.ts";

export interface RetrySettings {
  readonly numRetries: number;
  readonly retryPolicy: Readonly<Partial<Record<ErrorClass, number>>>;
  /** `retry_after` in milliseconds: the least wait before retrying the same deployment. */
  readonly minDelayMs: number;
}

export interface RetryInput {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly retryAfterSeconds: number | undefined;
  /** Retries already made in this model group for this request. */
  readonly retriesSoFar: number;
  /** A healthy deployment not yet tried for this request can take the retry. */
  readonly anotherDeployment: boolean;
}

export type RetryDecision = { readonly retry: false; readonly why: string } | { readonly retry: true; readonly delayMs: number };

export const INITIAL_BACKOFF_MS = 500;
export const MAX_BACKOFF_MS = 8000;
export const MAX_HONOURED_RETRY_AFTER_SECONDS = 60;

export function allowedRetries(code: ErrorCode, retryable: boolean, settings: RetrySettings): number {
  if (code === "client_closed_request") return 0;
  const errorClass = errorClassOf(code);
  if (errorClass === "BadRequestError") return 0;
  const fromPolicy = errorClass === undefined ? undefined : settings.retryPolicy[errorClass];
  if (fromPolicy !== undefined) return fromPolicy;
  return retryable ? settings.numRetries : 0;
}

export function backoffMs(retriesSoFar: number, random: () => number): number {
  const base = Math.min(INITIAL_BACKOFF_MS * 2 ** retriesSoFar, MAX_BACKOFF_MS);
  return base * (1 - 0.25 * random());
}

export function decideRetry(input: RetryInput, settings: RetrySettings, random: () => number): RetryDecision {
  const allowed = allowedRetries(input.code, input.retryable, settings);
  if (input.retriesSoFar >= allowed) return { retry: false, why: allowed === 0 ? `${input.code} is not retried` : `${allowed} retr${allowed === 1 ? "y" : "ies"} used` };
  if (input.anotherDeployment) return { retry: true, delayMs: 0 };
  const retryAfter = input.retryAfterSeconds;
  if (retryAfter !== undefined && retryAfter > MAX_HONOURED_RETRY_AFTER_SECONDS) {
    return { retry: false, why: `the upstream asked to wait ${retryAfter}s (more than ${MAX_HONOURED_RETRY_AFTER_SECONDS}s)` };
  }
  const wait = retryAfter !== undefined && retryAfter > 0 ? retryAfter * 1000 : backoffMs(input.retriesSoFar, random);
  return { retry: true, delayMs: Math.max(wait, settings.minDelayMs) };
}
