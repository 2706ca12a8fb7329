/**
 * The per-request checks of a virtual key, run by the pipeline once the model group is known
 * (before the cache, so a cache hit is counted and limited like any other call):
 * 1. model access: the key's `models` list (401, as LiteLLM);
 * 2. budget: spend in the current period ≥ max_budget → 400 `budget_exceeded` (as LiteLLM);
 *    spend = what the database holds + what this process has queued and not yet written;
 *    a period that ended counts from 0 at once (the database row is reset by the sweep);
 * 3. rpm / tpm / parallel limits (rate-limiter.ts) → 429 with `x-ratelimit-*` and Retry-After.
 * Admitted calls carry `x-litellm-key-spend` (the key's spend before this call).
 * The parallel slot is freed, and the tokens counted, when the response ends.
 */
import { GatewayError } from "../errors.ts";
import { addResponseHeaders } from "../request-state.ts";
import type { PharosContext } from "../request-state.ts";
import { modelAccessError } from "./model-access.ts";
import type { CachedKey, KeyCache } from "./key-cache.ts";
import { hasLimits } from "./rate-limiter.ts";
import type { KeyLimits, LimitKind, RateLimiter } from "./rate-limiter.ts";

export interface KeyGuardOptions {
  readonly cache: KeyCache;
  readonly limiter: RateLimiter;
  /** USD queued for this key and not yet committed to the database. */
  readonly pendingSpend: (keyHash: string) => number;
  readonly now?: () => number;
  /** Called when a limit refuses a request (metrics). */
  readonly onRateLimited?: (group: string, kind: LimitKind) => void;
  /** Called with a key's spend against its budget on every admitted call of a key that has one (budget alerts). */
  readonly onBudgetReading?: (reading: { keyHash: string; keyAlias: string | undefined; spend: number; maxBudget: number }) => void;
}

/** LiteLLM's header: the key's spend (USD) before this request. */
export const KEY_SPEND_HEADER = "x-litellm-key-spend";

const LIMIT_NAMES: Record<LimitKind, string> = { rpm: "requests per minute (rpm_limit)", tpm: "tokens per minute (tpm_limit)", parallel: "parallel requests (max_parallel_requests)" };

function usd(value: number): string {
  return Number(value.toPrecision(6)).toString();
}

export class KeyGuard {
  private readonly cache: KeyCache;
  private readonly limiter: RateLimiter;
  private readonly pendingSpend: (keyHash: string) => number;
  private readonly now: () => number;
  private readonly onRateLimited: ((group: string, kind: LimitKind) => void) | undefined;
  private readonly onBudgetReading: KeyGuardOptions["onBudgetReading"];

  constructor(options: KeyGuardOptions) {
    this.cache = options.cache;
    this.limiter = options.limiter;
    this.pendingSpend = options.pendingSpend;
    this.now = options.now ?? Date.now;
    this.onRateLimited = options.onRateLimited;
    this.onBudgetReading = options.onBudgetReading;
  }

  /**
   * Refuses the request with a GatewayError, or lets it through (setting x-ratelimit-* headers).
   * Model access and budget are checked synchronously (they throw at once); the rate limits
   * need Redis, so they come back as a promise (undefined when the key has none).
   */
  admit(ctx: PharosContext, group: string, asked = group): Promise<void> | undefined {
    const auth = ctx.state.auth;
    if (auth === undefined) return undefined;
    const denied = modelAccessError(auth, group, asked, "model");
    if (denied !== undefined) throw denied;
    if (auth.kind !== "virtual" || auth.keyHash === undefined) return undefined;
    const key = this.cache.peek(auth.keyHash);
    if (key === undefined) return undefined;
    const spend = this.checkBudget(key);
    addResponseHeaders(ctx.state, { [KEY_SPEND_HEADER]: String(spend) });
    const limits: KeyLimits = { rpm: key.record.rpmLimit, tpm: key.record.tpmLimit, parallel: key.record.maxParallelRequests };
    if (!hasLimits(limits)) return undefined;
    return this.limit(ctx, group, auth.keyHash, auth.keyAlias, limits);
  }

  private async limit(ctx: PharosContext, group: string, keyHash: string, alias: string | undefined, limits: KeyLimits): Promise<void> {
    const admission = await this.limiter.acquire(keyHash, limits);
    if (!admission.allowed) {
      const kind = admission.exceeded!;
      this.onRateLimited?.(group, kind);
      const limit = kind === "rpm" ? limits.rpm : kind === "tpm" ? limits.tpm : limits.parallel;
      throw new GatewayError("rate_limited", `Rate limit exceeded for key '${alias}': limit of ${limit} ${LIMIT_NAMES[kind]} reached. Retry after ${admission.retryAfterSeconds} s.`, {
        retryAfterSeconds: admission.retryAfterSeconds,
        headers: admission.headers,
      });
    }
    const state = ctx.state;
    addResponseHeaders(state, admission.headers);
    ctx.res.once("close", () => admission.release(state.cacheResult === "hit" ? 0 : (state.usage?.total_tokens ?? 0)));
  }

  /** Spend of the current budget period, as this process knows it. */
  spendOf(key: CachedKey): number {
    const resetAt = key.budgetResetAtMs;
    const seconds = key.record.budgetDurationSeconds;
    const now = this.now();
    if (resetAt !== undefined && seconds !== null && resetAt <= now) {
      // The period ended: start the next one here; the database row is reset by the sweep.
      key.committedSpend = 0;
      key.budgetResetAtMs = now + seconds * 1000;
    }
    return key.committedSpend + this.pendingSpend(key.record.keyHash);
  }

  /** The key's spend in this period; throws budget_exceeded when it reached max_budget. */
  private checkBudget(key: CachedKey): number {
    const spend = this.spendOf(key);
    const max = key.record.maxBudget;
    if (max === null) return spend;
    this.onBudgetReading?.({ keyHash: key.record.keyHash, keyAlias: key.auth.keyAlias, spend, maxBudget: max });
    if (spend >= max) {
      const reset = key.budgetResetAtMs === undefined ? "" : ` The budget resets at ${new Date(key.budgetResetAtMs).toISOString()}.`;
      throw new GatewayError("budget_exceeded", `Budget has been exceeded for key '${key.auth.keyAlias}': current spend ${usd(spend)} USD, max budget ${usd(max)} USD.${reset}`);
    }
    return spend;
  }
}
