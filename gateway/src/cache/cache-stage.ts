/**
 * The cache as a pipeline stage: before routing, answer from the cache (JSON as stored, a
 * stream replayed as a proper SSE stream ending with [DONE]) with `x-litellm-cache-key` and a
 * cost of 0; otherwise hand back a ticket with which the pipeline stores the answer it got
 * (a JSON body, or the payloads of a stream that ended cleanly).
 */
import type { GatewayParams } from "../http/gateway-params.ts";
import { litellmHeaders } from "../http/litellm-headers.ts";
import { sendJsonText } from "../http/respond.ts";
import { SseWriter } from "../http/sse.ts";
import type { Operation, RequestBody, Usage } from "../providers/openai-types.ts";
import type { PharosContext } from "../request-state.ts";
import type { CachedResponse } from "./cache-store.ts";
import type { CachePlan, LookupResult, ResponseCache } from "./response-cache.ts";

export const CACHE_KEY_HEADER = "x-litellm-cache-key";

/** The outcome of a cache read, before it is acted on. */
export interface CacheLookup {
  readonly plan: CachePlan | undefined;
  readonly result: LookupResult | "bypass";
  readonly value: CachedResponse | undefined;
  readonly seconds: number | undefined;
}

/** Collects a stream's payloads while it is sent; stores them if it ends cleanly. */
export interface StreamRecorder {
  push(payloads: readonly string[]): void;
  commit(usage: Usage | undefined): void;
}

/** Metrics hook: one call per request that reached the cache stage; `seconds` for lookups. */
export type CacheLookupListener = (result: LookupResult | "bypass", backend: "memory" | "redis", group: string, seconds: number | undefined) => void;

export class CacheStage {
  readonly cache: ResponseCache;
  private readonly onLookup: CacheLookupListener | undefined;

  constructor(cache: ResponseCache, onLookup?: CacheLookupListener) {
    this.cache = cache;
    this.onLookup = onLookup;
  }

  /**
   * Runs before routing, once the key checks in `admitted` pass; the cache read starts at once
   * so its round trip (Redis) overlaps theirs. "served": a cached answer was sent. Otherwise the
   * plan to store the answer with (undefined when this request bypasses the cache).
   */
  async before(ctx: PharosContext, op: Operation, body: RequestBody, params: GatewayParams, admitted?: Promise<void>, variant?: string): Promise<CachePlan | "served" | undefined> {
    const lookup = this.lookup(op, body, params, variant);
    if (admitted !== undefined) {
      lookup.catch(() => undefined); // awaited below, unless the key checks refuse first
      await admitted;
    }
    return this.serve(ctx, await lookup);
  }

  /** Reads the cache without touching the response. Rejects only for bad per-request controls (a 400). */
  async lookup(op: Operation, body: RequestBody, params: GatewayParams, variant?: string): Promise<CacheLookup> {
    const plan = this.cache.plan(op, body as Record<string, unknown>, params.cache, variant);
    if (plan === undefined || !plan.lookup) return { plan, result: "bypass", value: undefined, seconds: undefined };
    const started = performance.now();
    const { result, value } = await this.cache.lookup(plan);
    return { plan, result, value, seconds: (performance.now() - started) / 1000 };
  }

  /** Acts on a lookup: replays a hit ("served"), or returns the plan to store the answer with. */
  async serve(ctx: PharosContext, lookup: CacheLookup): Promise<CachePlan | "served" | undefined> {
    const state = ctx.state;
    if (lookup.result === "bypass") this.cache.bypass();
    this.onLookup?.(lookup.result, this.cache.store.backend, state.group ?? "", lookup.seconds);
    if (lookup.value === undefined || lookup.plan === undefined) {
      state.cacheResult = lookup.result;
      return lookup.plan;
    }
    state.cacheResult = "hit";
    await this.replay(ctx, lookup.plan, lookup.value);
    return "served";
  }

  storeJson(plan: CachePlan, body: string, usage: Usage | undefined): void {
    this.cache.set(plan, usage === undefined ? { kind: "json", body } : { kind: "json", body, usage });
  }

  recorder(plan: CachePlan): StreamRecorder | undefined {
    if (!plan.store) return undefined;
    const events: string[] = [];
    return {
      push: (payloads) => {
        for (const payload of payloads) events.push(payload);
      },
      commit: (usage) => this.cache.set(plan, usage === undefined ? { kind: "sse", events } : { kind: "sse", events, usage }),
    };
  }

  private async replay(ctx: PharosContext, plan: CachePlan, cached: CachedResponse): Promise<void> {
    const state = ctx.state;
    state.usage = cached.usage;
    state.costUsd = 0;
    const headers = litellmHeaders(state, performance.now() - state.startedAt, true);
    headers[CACHE_KEY_HEADER] = plan.key;
    if (cached.kind === "json") {
      sendJsonText(ctx, cached.body ?? "{}", headers);
      return;
    }
    const writer = new SseWriter(ctx.res);
    ctx.respond = false;
    ctx.status = 200;
    writer.start(headers);
    await writer.write(cached.events ?? []);
    state.timeToFirstChunkMs = performance.now() - state.startedAt;
    writer.end();
  }
}
