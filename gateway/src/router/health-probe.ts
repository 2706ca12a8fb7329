/**
 * Probes one deployment with its provider's cheapest call (`/api/tags` for Ollama, the model
 * list for OpenAI-compatible servers) under a timeout. Used by /health and background checks.
 */
import { isObject } from "../providers/json.ts";
import type { UpstreamRequest } from "../providers/provider.ts";
import { withExtraHeaders } from "../providers/request-defaults.ts";
import type { Deployment } from "./deployments.ts";

export interface ProbeResult {
  readonly healthy: boolean;
  readonly latencyMs: number;
  /** Why the deployment is unhealthy. */
  readonly error: string | undefined;
}

export interface ProbeOptions {
  readonly timeoutMs: number;
  /** A field the JSON answer must have (the seed's `expected_response_field`, e.g. "models"). */
  readonly expectedField?: string | undefined;
  /** The seed's `health_check.endpoint` (e.g. "/api/tags"), for providers whose registry entry takes it (Ollama). */
  readonly endpoint?: string | undefined;
}

function probeRequest(deployment: Deployment, options: ProbeOptions): UpstreamRequest {
  const request = withExtraHeaders(deployment.adapter.healthProbe(deployment.target), deployment.extraHeaders);
  const path = options.endpoint;
  if (path === undefined || path === "" || !deployment.provider.healthCheckEndpoint) return request;
  return { ...request, path: `${deployment.target.basePath}${path.startsWith("/") ? path : `/${path}`}${deployment.target.baseQuery}` };
}

export async function probeDeployment(deployment: Deployment, options: ProbeOptions): Promise<ProbeResult> {
  const started = performance.now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  const done = (healthy: boolean, error?: string): ProbeResult => ({ healthy, latencyMs: performance.now() - started, error });
  try {
    const request = probeRequest(deployment, options);
    const response = await deployment.transport.request(request, { signal: controller.signal, headersTimeoutMs: options.timeoutMs, bodyTimeoutMs: options.timeoutMs });
    const text = await response.text();
    if (response.status < 200 || response.status >= 300) return done(false, `HTTP ${response.status}: ${deployment.adapter.parseError(response.status, text).message}`);
    const expected = options.expectedField;
    if (expected !== undefined && expected !== "") {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return done(false, "the answer is not JSON");
      }
      if (!isObject(body) || !(expected in body)) return done(false, `the answer has no "${expected}" field`);
    }
    return done(true);
  } catch (error) {
    if (controller.signal.aborted) return done(false, `no answer within ${options.timeoutMs} ms`);
    const code = (error as { code?: unknown }).code;
    return done(false, `${typeof code === "string" ? `${code} ` : ""}${error instanceof Error ? error.message : String(error)}`);
  } finally {
    clearTimeout(timer);
  }
}
