/**
 * /health's answer: every deployment probed in parallel, split into healthy and unhealthy
 * endpoints as LiteLLM reports them (model, group, id, api_base; never the key).
 */
import type { DeploymentHealthReport, EndpointReport } from "../http/health.ts";
import type { DeploymentTable } from "./deployments.ts";
import { probeDeployment } from "./health-probe.ts";
import type { ProbeOptions } from "./health-probe.ts";

export async function probeAll(table: DeploymentTable, options: ProbeOptions): Promise<DeploymentHealthReport> {
  const results = await Promise.all(table.all.map(async (deployment) => ({ deployment, result: await probeDeployment(deployment, options) })));
  const healthy: EndpointReport[] = [];
  const unhealthy: EndpointReport[] = [];
  for (const { deployment, result } of results) {
    const endpoint: EndpointReport = {
      model: deployment.model,
      model_group: deployment.group,
      model_id: deployment.id,
      api_base: deployment.apiBaseForHeader,
      latency_ms: Math.round(result.latencyMs * 100) / 100,
    };
    if (result.healthy) healthy.push(endpoint);
    else unhealthy.push({ ...endpoint, error: result.error ?? "unhealthy" });
  }
  return { healthy_endpoints: healthy, unhealthy_endpoints: unhealthy, healthy_count: healthy.length, unhealthy_count: unhealthy.length };
}
