/**
 * What the router reports as it works, for telemetry (metrics, logs, Slack alerts) to subscribe
 * to: `router.events.on(listener)`. Emitting costs one length check when nobody listens.
 * Deployment ids and model groups come from the config (bounded), so they are fine as labels.
 */
import type { ErrorCode } from "../errors.ts";
import type { Deployment } from "./deployments.ts";

/** How a deployment stands for routing. */
export type DeploymentCondition = "healthy" | "cooling" | "half_open" | "unhealthy";

export type RouterEvent =
  /** One call to one deployment ended (for streams: when the first chunk arrived or the call failed). */
  | {
      readonly type: "attempt";
      readonly group: string;
      readonly deployment: Deployment;
      readonly outcome: "success" | "failure";
      readonly errorCode: ErrorCode | undefined;
      readonly durationMs: number;
      /** 0 for the requested group, 1 for the first fallback group, … */
      readonly fallbackDepth: number;
    }
  /** The router will try the group again after `delayMs`. */
  | { readonly type: "retry"; readonly group: string; readonly failed: Deployment; readonly errorCode: ErrorCode; readonly retry: number; readonly delayMs: number }
  /** The router moves on to another model group. */
  | { readonly type: "fallback"; readonly fromGroup: string; readonly toGroup: string; readonly errorCode: ErrorCode; readonly depth: number }
  /** A deployment is cooled down (`source: "shared"` when another instance decided it). */
  | {
      readonly type: "cooldown_started";
      readonly deployment: Deployment;
      readonly errorCode: ErrorCode | undefined;
      readonly reason: string;
      readonly seconds: number;
      readonly source: "local" | "shared";
    }
  /** A cooldown is over: its time ran out (`expired`: half-open), or the probe request succeeded. */
  | { readonly type: "cooldown_ended"; readonly deployment: Deployment; readonly reason: "expired" | "probe_succeeded" }
  | { readonly type: "deployment_state"; readonly deployment: Deployment; readonly from: DeploymentCondition; readonly to: DeploymentCondition }
  /** A request found no deployment of its group under its rpm/tpm limit (and was refused if none else could take it). */
  | { readonly type: "deployment_rate_limited"; readonly group: string; readonly limit: "rpm" | "tpm" }
  /** One background health probe. */
  | { readonly type: "health_check"; readonly deployment: Deployment; readonly healthy: boolean; readonly latencyMs: number; readonly error: string | undefined };

export type RouterEventListener = (event: RouterEvent) => void;

export class RouterEvents {
  private listeners: RouterEventListener[] = [];

  /** Subscribes; returns the unsubscribe function. */
  on(listener: RouterEventListener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((known) => known !== listener);
    };
  }

  get active(): boolean {
    return this.listeners.length > 0;
  }

  emit(event: RouterEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A listener's bug must not break routing.
      }
    }
  }
}
