/**
 * llm_requests_hanging: LLM requests still open `alerting_threshold` after they arrived. A
 * router-level middleware (registered on the API routes by gateway.ts) adds each request to an
 * insertion-ordered map and removes it when it ends — two Map operations per request; a sweep
 * every few seconds walks from the oldest entry and stops at the first one younger than the
 * threshold, reporting each hanging request once, with the model group and deployment the
 * request state holds at that moment.
 */
import type { Middleware } from "koa";
import type { RequestState } from "../request-state.ts";
import type { Alert } from "./alert.ts";

interface Open {
  readonly state: RequestState;
  /** Date.now() at arrival. */
  readonly since: number;
  reported: boolean;
}

const LLM_ROUTES = new Set(["chat_completions", "completions", "embeddings"]);

export class HangingRequests {
  private readonly open = new Map<number, Open>();
  private next = 0;
  private readonly thresholdMs: number;
  private readonly clock: () => number;

  constructor(thresholdMs: number, clock: () => number = Date.now) {
    this.thresholdMs = thresholdMs;
    this.clock = clock;
  }

  /** The middleware: tracks a request while the rest of the chain runs. */
  readonly middleware: Middleware<RequestState> = async (ctx, next) => {
    const id = (this.next += 1);
    this.open.set(id, { state: ctx.state, since: this.clock(), reported: false });
    try {
      await next();
    } finally {
      this.open.delete(id);
    }
  };

  get size(): number {
    return this.open.size;
  }

  /** Alerts for requests that crossed the threshold since the last sweep. */
  sweep(): Alert[] {
    const now = this.clock();
    const alerts: Alert[] = [];
    for (const entry of this.open.values()) {
      const age = now - entry.since;
      if (age < this.thresholdMs) break;
      if (entry.reported || !LLM_ROUTES.has(entry.state.route)) continue;
      entry.reported = true;
      const deployment = entry.state.deployment;
      alerts.push({
        type: "llm_requests_hanging",
        level: "Medium",
        key: `${entry.state.group ?? ""}\0${deployment?.id ?? ""}`,
        title: `LLM request open for more than alerting_threshold (${this.thresholdMs / 1000} s)`,
        group: entry.state.group,
        deploymentId: deployment?.id,
        apiBase: deployment?.apiBaseForHeader,
        numbers: { "open for (s)": Math.round(age / 1000), stream: entry.state.stream ? "yes" : "no", retries: entry.state.attemptedRetries },
        dashboard: "pharos-models",
        at: now,
      });
    }
    return alerts;
  }
}
