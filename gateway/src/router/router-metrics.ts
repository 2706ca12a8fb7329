/**
 * Feeds the router's events into the metric catalogue (telemetry/metrics.ts): cooldowns this
 * process decided, background health checks, requests refused because every deployment of the
 * group is over its rpm/tpm (rate limits, scope "deployment"), and every deployment's routing state as a gauge
 * read at scrape time (0 healthy, 1 half-open, 2 cooling or unhealthy).
 */
import type { PharosMetrics } from "../telemetry/metrics.ts";
import type { DeploymentCondition } from "./events.ts";
import type { Router } from "./router.ts";

const STATE_VALUE: Record<DeploymentCondition, 0 | 1 | 2> = { healthy: 0, half_open: 1, cooling: 2, unhealthy: 2 };

export function recordRouterMetrics(router: Router, metrics: PharosMetrics): () => void {
  metrics.observeDeploymentStates(() =>
    router.snapshot().map((entry) => ({
      group: entry.deployment.group,
      deploymentId: entry.deployment.id,
      provider: entry.deployment.adapter.otelName,
      state: STATE_VALUE[entry.condition],
    })),
  );
  return router.events.on((event) => {
    switch (event.type) {
      case "cooldown_started":
        // Only the instance that decided counts it, so a shared cooldown is counted once.
        if (event.source === "local") metrics.cooldownStarted(event.deployment.group, event.deployment.id, event.errorCode ?? "manual");
        break;
      case "health_check":
        metrics.healthCheck(event.deployment.group, event.deployment.id, event.healthy);
        break;
      case "deployment_rate_limited":
        metrics.rateLimitRejected("deployment", event.group);
        break;
      default:
        break;
    }
  });
}
