/**
 * Health routes, as LiteLLM serves them:
 * - GET /health/liveliness (and /health/liveness): public, "I'm alive!";
 * - GET /health/readiness: public, status of the gateway, database and cache; 503 when not ready;
 * - GET /health: authenticated, probes every deployment and lists healthy/unhealthy endpoints.
 * The same routes are served by the separate health app (health-app.ts).
 */
import type Router from "@koa/router";
import type { RouterMiddleware } from "@koa/router";
import type { RequestState } from "../request-state.ts";

export interface ReadinessReport {
  readonly ready: boolean;
  readonly body: Record<string, unknown>;
}

export interface EndpointReport {
  readonly model: string;
  readonly model_group: string;
  readonly model_id: string;
  readonly api_base: string;
  readonly latency_ms?: number;
  readonly error?: string;
}

export interface DeploymentHealthReport {
  readonly healthy_endpoints: EndpointReport[];
  readonly unhealthy_endpoints: EndpointReport[];
  readonly healthy_count: number;
  readonly unhealthy_count: number;
}

export interface HealthSources {
  readiness(): Promise<ReadinessReport>;
  /** Probes (or, with background checks on, reports the cached state of) every deployment. */
  deployments(): Promise<DeploymentHealthReport>;
}

export function publicHealthRoutes(router: Router<RequestState>, sources: HealthSources): void {
  const alive: RouterMiddleware<RequestState> = (ctx) => {
    ctx.state.route = "health";
    ctx.type = "application/json";
    ctx.body = JSON.stringify("I'm alive!");
  };
  router.get("/health/liveliness", alive);
  router.get("/health/liveness", alive);
  router.get("/health/readiness", async (ctx) => {
    ctx.state.route = "health";
    const report = await sources.readiness();
    ctx.status = report.ready ? 200 : 503;
    ctx.body = report.body;
  });
}

export function deploymentHealthRoutes(router: Router<RequestState>, sources: HealthSources): void {
  router.get("/health", async (ctx) => {
    ctx.state.route = "health";
    ctx.body = await sources.deployments();
  });
}
