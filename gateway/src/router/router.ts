/**
 * The router: the one entry point for picking deployments, retrying and falling back.
 *
 *   route(group) → pick (strategy over the deployments that may take traffic now) → count it
 *     against rpm (shared state near a limit: reserved first; refused → pick again) → attempt
 *     ├─ success: latency recorded, half-open probe closed; the caller calls finish() when the
 *     │           response is complete (in-flight slot released, tokens counted)
 *     └─ failure: cooldown policy (count, maybe cool) → retry policy (again, preferably on
 *                 another deployment, after Retry-After/backoff when it is the same one)
 *   group exhausted → fallback plan (context window / content policy / general, in order),
 *   each fallback group with its own retries.
 *
 * The decisions are pure functions (strategies/, cooldown-policy.ts, retry-policy.ts,
 * fallback-plan.ts); this file composes them with the shared state (state/) and the clock.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { GatewayError } from "../errors.ts";
import type { Usage } from "../providers/openai-types.ts";
import { MemoryRouterState } from "../state/memory-state.ts";
import { MINUTE_MS } from "../state/router-state.ts";
import type { Cooldown, RouterState } from "../state/router-state.ts";
import { contextWindowExceeded } from "./context-window.ts";
import type { PromptCheck } from "./context-window.ts";
import { exceedsAllowedFails, judgeFailure } from "./cooldown-policy.ts";
import type { FailureVerdict } from "./cooldown-policy.ts";
import type { Deployment, DeploymentTable } from "./deployments.ts";
import { RouterEvents } from "./events.ts";
import type { DeploymentCondition } from "./events.ts";
import { fallbackGroups } from "./fallback-plan.ts";
import type { HealthView } from "./health-checks.ts";
import { LatencyTracker } from "./latency-tracker.ts";
import { decideRetry } from "./retry-policy.ts";
import type { RoutingPolicy } from "./routing-policy.ts";
import { needsLatency, strategyFor } from "./strategies/registry.ts";
import type { MinuteUsage, RoutingStats, Strategy } from "./strategies/strategy.ts";
import { tagCandidates } from "./tag-filter.ts";

export interface FinishReport {
  /** Usage of the finished response (tokens count towards tpm). */
  readonly usage?: Usage | undefined;
  /** The response failed after it was committed (a stream broke): counts against the deployment. */
  readonly error?: GatewayError | undefined;
}

export interface RouteOutcome<T> {
  readonly value: T;
  readonly deployment: Deployment;
  readonly attemptedRetries: number;
  readonly attemptedFallbacks: number;
  /** Call once when the response is complete (streams: when the stream ended, however it ended). */
  finish(report?: FinishReport): void;
}

/** Runs one attempt on one deployment; throws GatewayError on failure. */
export type Attempt<T> = (deployment: Deployment) => Promise<T>;

export interface RouteCounters {
  attemptedRetries: number;
  attemptedFallbacks: number;
}

export interface RouteOptions {
  /** Streams are routed by time to first token (latency-based routing). */
  readonly stream?: boolean;
  /** Aborts waits between retries when the client goes away. */
  readonly signal?: AbortSignal;
  /** Updated as retries and fallbacks happen (the request state fits). */
  readonly counters?: RouteCounters;
  /** Pre-call checks (context-window.ts): only deployments whose context window takes the prompt. */
  readonly prompt?: PromptCheck | undefined;
  /** The request's tags (tag-filter.ts), used when the policy has tag filtering on. */
  readonly tags?: readonly string[] | undefined;
  /** The request's own `num_retries`, in place of the policy's. */
  readonly numRetries?: number | undefined;
  /** The request's own `fallbacks` (model groups), in place of `fallbacks` and `default_fallbacks`. */
  readonly fallbacks?: readonly string[] | undefined;
}

export interface RouterOptions {
  readonly table: DeploymentTable;
  readonly policy: RoutingPolicy;
  readonly state?: RouterState;
  readonly health?: HealthView | undefined;
  readonly events?: RouterEvents;
  readonly logger?: Logger | undefined;
  readonly random?: () => number;
  /** Epoch milliseconds (shared with other instances through the state). */
  readonly clock?: () => number;
}

export interface DeploymentSnapshot {
  readonly deployment: Deployment;
  readonly condition: DeploymentCondition;
  readonly inFlight: number;
  readonly cooldownSecondsLeft: number;
  readonly usage: MinuteUsage;
}

interface HalfOpen {
  /** A probe request is running (others keep away until it decides). */
  probing: boolean;
  /** performance.now() when the probe started. */
  since: number;
}

const REASON_LIMIT = 240;
const NOTHING = new Set<string>();

function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
}

function label(deployment: Deployment): string {
  return `${deployment.id} (${deployment.apiBaseForHeader})`;
}

export class Router {
  readonly events: RouterEvents;
  readonly state: RouterState;
  readonly policy: RoutingPolicy;
  private readonly table: DeploymentTable;
  private readonly health: HealthView | undefined;
  private readonly logger: Logger | undefined;
  private readonly random: () => number;
  private readonly clock: () => number;
  private readonly strategy: Strategy;
  private readonly latency: LatencyTracker | undefined;
  private readonly rounds = new Map<string, number>();
  private readonly halfOpen = new Map<string, HalfOpen>();
  /** The end of the cooldown last seen per deployment (to notice new ones and their expiry). */
  private readonly seenCooldowns = new Map<string, number>();
  private readonly expiryTimers = new Map<string, NodeJS.Timeout>();
  private readonly conditions = new Map<string, DeploymentCondition>();
  private readonly candidateCache = new WeakMap<(deployment: Deployment) => boolean, Map<string, readonly Deployment[]>>();
  private readonly stats: RoutingStats & { round: number; stream: boolean; now: number };

  constructor(options: RouterOptions) {
    this.table = options.table;
    this.policy = options.policy;
    this.state = options.state ?? new MemoryRouterState();
    this.health = options.health;
    this.events = options.events ?? new RouterEvents();
    this.logger = options.logger;
    this.random = options.random ?? Math.random;
    this.clock = options.clock ?? Date.now;
    this.strategy = strategyFor(this.policy.strategy, { latencyBuffer: this.policy.latencyBuffer });
    this.latency = needsLatency(this.policy.strategy) ? new LatencyTracker(this.policy.latencyTtlMs) : undefined;
    const state = this.state;
    const latency = this.latency;
    // One mutable stats view, reused by every pick (strategies are synchronous).
    const stats = {
      round: 0,
      stream: false,
      now: 0,
      inFlight: (id: string) => state.inFlight(id),
      latencyMs: (id: string) => latency?.latency(id, stats.stream, stats.now),
      usage: (id: string) => state.usage(id, stats.now),
    };
    this.stats = stats;
    this.state.onRemoteCooldown((id, cooldown) => {
      const deployment = this.table.byId.get(id);
      if (deployment !== undefined) this.cooldownObserved(deployment, cooldown, "shared", undefined);
    });
  }

  /**
   * Routes one request to `group`. `filter` keeps the deployments able to serve it. Throws the
   * failure that best explains why no deployment answered (with the fallbacks tried).
   */
  async route<T>(group: string, filter: (deployment: Deployment) => boolean, attempt: Attempt<T>, options: RouteOptions = {}): Promise<RouteOutcome<T>> {
    const counters = options.counters ?? { attemptedRetries: 0, attemptedFallbacks: 0 };
    let primary: GatewayError;
    try {
      return await this.runGroup(group, filter, attempt, options, counters, 0);
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error;
      primary = error;
    }
    const plan = fallbackGroups(group, primary.code, this.policy.fallbacks, options.fallbacks);
    const tried: string[] = [];
    for (const next of plan) {
      if (options.signal?.aborted === true) break;
      if (this.candidates(next, filter).length === 0) {
        tried.push(`${next} (cannot serve this request)`);
        continue;
      }
      counters.attemptedFallbacks += 1;
      if (this.events.active) this.events.emit({ type: "fallback", fromGroup: group, toGroup: next, errorCode: primary.code, depth: counters.attemptedFallbacks });
      try {
        return await this.runGroup(next, filter, attempt, options, counters, counters.attemptedFallbacks);
      } catch (error) {
        if (!(error instanceof GatewayError)) throw error;
        if (error.code === "client_closed_request") throw error;
        tried.push(`${next} (${error.code})`);
      }
    }
    throw this.finalError(primary, tried, counters);
  }

  /** The error a client gets: the requested group's, naming the fallbacks that also failed. */
  private finalError(primary: GatewayError, triedFallbacks: readonly string[], counters: RouteCounters): GatewayError {
    const message = triedFallbacks.length === 0 ? primary.message : `${primary.message} (fallbacks tried: ${triedFallbacks.join(", ")})`;
    return new GatewayError(primary.code, message, {
      status: primary.status,
      ...(primary.param === null ? {} : { param: primary.param }),
      ...(primary.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: primary.retryAfterSeconds }),
      headers: {
        ...primary.headers,
        "x-litellm-attempted-retries": String(counters.attemptedRetries),
        "x-litellm-attempted-fallbacks": String(counters.attemptedFallbacks),
      },
      cause: primary,
    });
  }

  private candidates(group: string, filter: (deployment: Deployment) => boolean): readonly Deployment[] {
    let byGroup = this.candidateCache.get(filter);
    if (byGroup === undefined) this.candidateCache.set(filter, (byGroup = new Map()));
    let list = byGroup.get(group);
    if (list === undefined) byGroup.set(group, (list = (this.table.groups.get(group) ?? []).filter(filter)));
    return list;
  }

  /** The candidates whose context window takes the prompt; throws context_window_exceeded when none does. */
  private fitting(group: string, candidates: readonly Deployment[], check: PromptCheck | undefined): readonly Deployment[] {
    if (check === undefined || candidates.every((deployment) => deployment.maxInputTokens === undefined)) return candidates;
    const fitting = candidates.filter(check.fits);
    if (fitting.length === 0) throw contextWindowExceeded(group, candidates, check.param);
    return fitting;
  }

  /** Tries one model group: picks, attempts, retries. */
  private async runGroup<T>(
    group: string,
    filter: (deployment: Deployment) => boolean,
    attempt: Attempt<T>,
    options: RouteOptions,
    counters: RouteCounters,
    fallbackDepth: number,
  ): Promise<RouteOutcome<T>> {
    const eligible = this.candidates(group, filter);
    const candidates = this.fitting(group, this.policy.tagFiltering ? tagCandidates(group, eligible, options.tags) : eligible, options.prompt);
    const stream = options.stream === true;
    const retrySettings = options.numRetries === undefined ? this.policy.retry : { ...this.policy.retry, numRetries: options.numRetries };
    let tried = NOTHING;
    let retries = 0;
    let refusals = 0;
    let lastError: GatewayError | undefined;
    while (true) {
      const now = this.clock();
      const deployment = this.pick(group, candidates, tried, now, stream);
      if (deployment === undefined) throw lastError ?? this.noHealthyDeployment(group, candidates, now);
      const probing = this.beginAttempt(deployment);
      // Counted against its rpm; near its limits (shared state) reserved first, and maybe refused.
      const admitted = this.state.countRequest(deployment.id, deployment, now);
      if (admitted !== true && !(await admitted)) {
        this.abandonAttempt(deployment, probing);
        // The state now shows it at its limit, so the next pick skips it (bounded all the same).
        if (++refusals > candidates.length) throw lastError ?? this.noHealthyDeployment(group, candidates, this.clock());
        continue;
      }
      const started = performance.now();
      let value: T;
      try {
        value = await attempt(deployment);
      } catch (thrown) {
        const durationMs = performance.now() - started;
        if (!(thrown instanceof GatewayError)) {
          this.abandonAttempt(deployment, probing);
          throw thrown;
        }
        this.state.release(deployment.id);
        const error = thrown;
        if (this.events.active) this.events.emit({ type: "attempt", group, deployment, outcome: "failure", errorCode: error.code, durationMs, fallbackDepth });
        this.attemptFailed(deployment, error, probing, durationMs, stream);
        if (error.code === "client_closed_request") throw error;
        if (tried === NOTHING) tried = new Set();
        tried.add(deployment.id);
        lastError = error;
        const decision = decideRetry(
          { code: error.code, retryable: error.retryable, retryAfterSeconds: error.retryAfterSeconds, retriesSoFar: retries, anotherDeployment: this.anotherAvailable(candidates, tried, this.clock()) },
          retrySettings,
          this.random,
        );
        if (!decision.retry) throw error;
        retries += 1;
        counters.attemptedRetries += 1;
        if (this.events.active) this.events.emit({ type: "retry", group, failed: deployment, errorCode: error.code, retry: retries, delayMs: decision.delayMs });
        if (decision.delayMs > 0) await this.wait(decision.delayMs, options.signal);
        if (options.signal?.aborted === true) throw new GatewayError("client_closed_request", "The client closed the connection while the request waited to be retried");
        continue;
      }
      const durationMs = performance.now() - started;
      if (this.events.active) this.events.emit({ type: "attempt", group, deployment, outcome: "success", errorCode: undefined, durationMs, fallbackDepth });
      this.latency?.record(deployment.id, durationMs, stream, this.clock());
      if (probing) this.probeSucceeded(deployment);
      return {
        value,
        deployment,
        attemptedRetries: counters.attemptedRetries,
        attemptedFallbacks: counters.attemptedFallbacks,
        finish: this.finisher(deployment),
      };
    }
  }

  private async wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
    try {
      await sleep(ms, undefined, signal === undefined ? {} : { signal });
    } catch {
      // Aborted: the caller checks the signal.
    }
  }

  // -- picking --------------------------------------------------------------------------------

  /** Whether a deployment may take a request now (the hot path: no allocation). */
  private available(deployment: Deployment, now: number): boolean {
    const id = deployment.id;
    const cooldown = this.state.cooldown(id, now);
    if (cooldown !== undefined) {
      if (this.seenCooldowns.get(id) !== cooldown.until) this.cooldownObserved(deployment, cooldown, "shared", undefined);
      return false;
    }
    const halfOpen = this.halfOpen.get(id);
    if (halfOpen !== undefined && halfOpen.probing && performance.now() - halfOpen.since < deployment.timeoutMs) return false;
    if (this.health !== undefined && !this.health.isHealthy(id)) return false;
    if (deployment.rpm !== undefined || deployment.tpm !== undefined) {
      const usage = this.state.usage(id, now);
      if (deployment.rpm !== undefined && usage.requests >= deployment.rpm) return false;
      if (deployment.tpm !== undefined && usage.tokens >= deployment.tpm) return false;
    }
    return true;
  }

  private anotherAvailable(candidates: readonly Deployment[], tried: ReadonlySet<string>, now: number): boolean {
    for (const deployment of candidates) if (!tried.has(deployment.id) && this.available(deployment, now)) return true;
    return false;
  }

  /** The strategy's pick among available deployments, preferring ones not tried for this request. */
  private pick(group: string, candidates: readonly Deployment[], tried: ReadonlySet<string>, now: number, stream: boolean): Deployment | undefined {
    let fresh: Deployment[] | undefined;
    let retried: Deployment[] | undefined;
    for (const deployment of candidates) {
      if (!this.available(deployment, now)) continue;
      if (tried.has(deployment.id)) (retried ??= []).push(deployment);
      else (fresh ??= []).push(deployment);
    }
    const pool = fresh ?? retried;
    if (pool === undefined) return undefined;
    const round = this.rounds.get(group) ?? 0;
    this.rounds.set(group, round + 1);
    const stats = this.stats;
    stats.round = round;
    stats.stream = stream;
    stats.now = now;
    return pool.length === 1 ? pool[0] : (this.strategy(pool, stats, this.random) ?? pool[0]);
  }

  /** Takes an in-flight slot; returns true for a half-open probe (others keep away until it decides). */
  private beginAttempt(deployment: Deployment): boolean {
    this.state.acquire(deployment.id);
    const halfOpen = this.halfOpen.get(deployment.id);
    if (halfOpen === undefined) return false;
    halfOpen.probing = true;
    halfOpen.since = performance.now();
    return true;
  }

  /** Undoes beginAttempt for an attempt that never reached the upstream's verdict: its in-flight slot, and its half-open probe. */
  private abandonAttempt(deployment: Deployment, probing: boolean): void {
    this.state.release(deployment.id);
    if (probing) this.halfOpen.get(deployment.id)!.probing = false;
  }

  private finisher(deployment: Deployment): (report?: FinishReport) => void {
    let finished = false;
    return (report) => {
      if (finished) return;
      finished = true;
      this.state.release(deployment.id);
      const tokens = report?.usage?.total_tokens;
      if (tokens !== undefined && tokens > 0) this.state.addUsage(deployment.id, 0, tokens, this.clock());
      const error = report?.error;
      if (error !== undefined) this.countFailure(deployment, error, this.judge(deployment, error));
    };
  }

  // -- failures and cooldowns -----------------------------------------------------------------

  private attemptFailed(deployment: Deployment, error: GatewayError, probing: boolean, durationMs: number, stream: boolean): void {
    if (error.code === "client_closed_request") {
      if (probing) this.halfOpen.get(deployment.id)!.probing = false;
      return;
    }
    const verdict = this.judge(deployment, error);
    if (verdict.counts) this.latency?.recordFailure(deployment.id, durationMs, stream, this.clock());
    if (probing) {
      // Half-open: the one probe decides. A failure that counts cools it again at once.
      if (verdict.counts) this.coolDown(deployment, verdict.cooldownMs, error, "the probe request after its cooldown failed");
      else this.probeSucceeded(deployment);
      return;
    }
    this.countFailure(deployment, error, verdict);
  }

  private judge(deployment: Deployment, error: GatewayError): FailureVerdict {
    const overrides = { allowedFails: deployment.allowedFails, cooldownTimeSeconds: deployment.cooldownTimeSeconds, groupSize: this.table.groups.get(deployment.group)?.length ?? 1 };
    return judgeFailure(error, overrides, this.policy.cooldown);
  }

  private countFailure(deployment: Deployment, error: GatewayError, verdict: FailureVerdict): void {
    if (!verdict.counts) return;
    const now = this.clock();
    const local = this.state.countFailure(deployment.id, verdict.bucket, verdict.windowMs, now, (shared) => {
      if (exceedsAllowedFails(verdict, shared) && this.state.cooldown(deployment.id, this.clock()) === undefined) {
        this.coolDown(deployment, verdict.cooldownMs, error, `${shared} failures across instances within ${seconds(verdict.windowMs)} (allowed_fails ${verdict.allowedFails})`);
      }
    });
    if (exceedsAllowedFails(verdict, local) && this.state.cooldown(deployment.id, now) === undefined) {
      this.coolDown(deployment, verdict.cooldownMs, error, `${local} failures within ${seconds(verdict.windowMs)} (allowed_fails ${verdict.allowedFails})`);
    }
  }

  private coolDown(deployment: Deployment, cooldownMs: number, error: GatewayError, why: string): void {
    const cooldown: Cooldown = { until: this.clock() + cooldownMs, reason: truncate(`${why}; last error ${error.code}: ${error.message}`, REASON_LIMIT) };
    this.state.startCooldown(deployment.id, cooldown);
    this.cooldownObserved(deployment, cooldown, "local", error);
  }

  /** A cooldown this process has not seen yet (its own, or one from another instance). */
  private cooldownObserved(deployment: Deployment, cooldown: Cooldown, source: "local" | "shared", error: GatewayError | undefined): void {
    const id = deployment.id;
    if (this.seenCooldowns.get(id) === cooldown.until) return;
    this.seenCooldowns.set(id, cooldown.until);
    const halfOpen = this.halfOpen.get(id);
    if (halfOpen === undefined) this.halfOpen.set(id, { probing: false, since: 0 });
    else halfOpen.probing = false;
    const leftMs = cooldown.until - this.clock();
    const existing = this.expiryTimers.get(id);
    if (existing !== undefined) clearTimeout(existing);
    const timer = setTimeout(() => this.cooldownExpired(deployment), Math.max(0, leftMs) + 5);
    timer.unref();
    this.expiryTimers.set(id, timer);
    this.logger?.warn({ deployment: id, group: deployment.group, seconds: Math.round(leftMs / 100) / 10, source }, `deployment ${label(deployment)} of model group "${deployment.group}" cooled down for ${seconds(leftMs)}: ${cooldown.reason}`);
    if (this.events.active) this.events.emit({ type: "cooldown_started", deployment, errorCode: error?.code, reason: cooldown.reason, seconds: leftMs / 1000, source });
    this.refreshCondition(deployment);
  }

  private cooldownExpired(deployment: Deployment): void {
    const id = deployment.id;
    this.expiryTimers.delete(id);
    const cooldown = this.state.cooldown(id, this.clock());
    if (cooldown !== undefined) {
      // Extended meanwhile (another failure or instance): wait for the new end.
      this.cooldownObserved(deployment, cooldown, "shared", undefined);
      return;
    }
    if (this.events.active) this.events.emit({ type: "cooldown_ended", deployment, reason: "expired" });
    this.refreshCondition(deployment);
  }

  private probeSucceeded(deployment: Deployment): void {
    if (!this.halfOpen.delete(deployment.id)) return;
    this.seenCooldowns.delete(deployment.id);
    this.state.clearFailures(deployment.id);
    this.logger?.info({ deployment: deployment.id, group: deployment.group }, `deployment ${label(deployment)} answered after its cooldown: back in service`);
    if (this.events.active) this.events.emit({ type: "cooldown_ended", deployment, reason: "probe_succeeded" });
    this.refreshCondition(deployment);
  }

  // -- conditions, reports --------------------------------------------------------------------

  condition(deployment: Deployment, now: number = this.clock()): DeploymentCondition {
    if (this.health !== undefined && !this.health.isHealthy(deployment.id)) return "unhealthy";
    if (this.state.cooldown(deployment.id, now) !== undefined) return "cooling";
    if (this.halfOpen.has(deployment.id)) return "half_open";
    return "healthy";
  }

  /** Re-evaluates a deployment's condition and reports a change (also called by health checks). */
  refreshCondition(deployment: Deployment): void {
    const to = this.condition(deployment);
    const from = this.conditions.get(deployment.id) ?? "healthy";
    if (from === to) return;
    this.conditions.set(deployment.id, to);
    if (this.events.active) this.events.emit({ type: "deployment_state", deployment, from, to });
  }

  /** Every deployment's routing condition, for gauges and admin endpoints. */
  snapshot(): DeploymentSnapshot[] {
    const now = this.clock();
    return this.table.all.map((deployment) => {
      const cooldown = this.state.cooldown(deployment.id, now);
      return {
        deployment,
        condition: this.condition(deployment, now),
        inFlight: this.state.inFlight(deployment.id),
        cooldownSecondsLeft: cooldown === undefined ? 0 : (cooldown.until - now) / 1000,
        usage: this.state.usage(deployment.id, now),
      };
    });
  }

  /** 429 naming every deployment of the group and why it cannot take the request. */
  private noHealthyDeployment(group: string, candidates: readonly Deployment[], now: number): GatewayError {
    const reasons: string[] = [];
    let soonestMs = Infinity;
    let limited: "rpm" | "tpm" | undefined;
    for (const deployment of candidates) {
      const cooldown = this.state.cooldown(deployment.id, now);
      if (cooldown !== undefined) {
        soonestMs = Math.min(soonestMs, cooldown.until - now);
        reasons.push(`${label(deployment)} is cooling down for ${seconds(cooldown.until - now)} more (${cooldown.reason})`);
        continue;
      }
      const halfOpen = this.halfOpen.get(deployment.id);
      if (halfOpen?.probing === true) {
        soonestMs = Math.min(soonestMs, 1000);
        reasons.push(`${label(deployment)} is being probed after its cooldown`);
        continue;
      }
      if (this.health !== undefined && !this.health.isHealthy(deployment.id)) {
        reasons.push(`${label(deployment)} failed its background health checks`);
        continue;
      }
      const usage = this.state.usage(deployment.id, now);
      const resetMs = MINUTE_MS - (now % MINUTE_MS);
      if (deployment.rpm !== undefined && usage.requests >= deployment.rpm) {
        soonestMs = Math.min(soonestMs, resetMs);
        reasons.push(`${label(deployment)} reached its rpm limit (${deployment.rpm}) for this minute; resets in ${seconds(resetMs)}`);
        limited ??= "rpm";
      } else if (deployment.tpm !== undefined && usage.tokens >= deployment.tpm) {
        soonestMs = Math.min(soonestMs, resetMs);
        reasons.push(`${label(deployment)} reached its tpm limit (${deployment.tpm}) for this minute; resets in ${seconds(resetMs)}`);
        limited ??= "tpm";
      }
    }
    if (limited !== undefined && this.events.active) this.events.emit({ type: "deployment_rate_limited", group, limit: limited });
    const detail = reasons.length === 0 ? "no deployment can serve it" : reasons.join("; ");
    return new GatewayError("no_healthy_deployment", `No healthy deployment in model group "${group}" can take this request: ${detail}`, {
      ...(Number.isFinite(soonestMs) ? { retryAfterSeconds: Math.max(1, Math.ceil(soonestMs / 1000)) } : {}),
    });
  }

  async close(): Promise<void> {
    for (const timer of this.expiryTimers.values()) clearTimeout(timer);
    this.expiryTimers.clear();
    await this.state.close();
  }
}
