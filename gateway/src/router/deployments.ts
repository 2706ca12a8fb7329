/**
 * The deployment table, built once at boot from model_list: every deployment with its adapter,
 * transport, limits, timeouts, price and a stable id (routing state everywhere keys on it).
 */
import { createHash } from "node:crypto";
import { MEGABYTE } from "../config/schema.ts";
import type { RawConfig } from "../config/schema.ts";
import type { ModelEntry } from "../config/schema.ts";
import { knownModel } from "../providers/known-models.ts";
import type { ProviderAdapter, UpstreamTarget } from "../providers/provider.ts";
import { IN_PROCESS_BASE, resolveModel } from "../providers/registry.ts";
import { extraHeadersOf, requestDefaultsOf, unusedProviderParams } from "../providers/request-defaults.ts";
import type { RequestDefaults } from "../providers/request-defaults.ts";
import type { ProviderEntry } from "../providers/registry.ts";
import type { Transport } from "../providers/transport.ts";
import { priceFor } from "../spend/pricing.ts";
import type { Price } from "../spend/pricing.ts";

export type DeploymentMode = "chat" | "completion" | "embedding" | "image_generation" | "audio_transcription" | "rerank";

export interface Deployment {
  /** model_info.id, or a hash of group, model and api_base: the same on every instance. */
  readonly id: string;
  /** Index in model_list (for messages that name the config path). */
  readonly index: number;
  readonly group: string;
  /** The provider-prefixed model as configured (`ollama_chat/llama3.2`). */
  readonly model: string;
  readonly provider: ProviderEntry;
  readonly adapter: ProviderAdapter;
  readonly target: UpstreamTarget;
  /** api_base as configured, no trailing slash. */
  readonly apiBase: string;
  /** api_base without its query string: what `x-litellm-model-api-base` shows. */
  readonly apiBaseForHeader: string;
  readonly origin: string;
  /** The upstream's host and port (a trace's `server.address` / `server.port`). */
  readonly server: { readonly address: string; readonly port: number };
  readonly transport: Transport;
  readonly mode: DeploymentMode;
  readonly rpm: number | undefined;
  readonly tpm: number | undefined;
  readonly weight: number | undefined;
  readonly timeoutMs: number;
  readonly streamTimeoutMs: number;
  readonly allowedFails: number | undefined;
  readonly cooldownTimeSeconds: number | undefined;
  /** model_info.max_input_tokens, else the known model's context window (enable_pre_call_checks). */
  readonly maxInputTokens: number | undefined;
  /** Sampling defaults from litellm_params (temperature, max_tokens, …); undefined when none. */
  readonly requestDefaults: RequestDefaults | undefined;
  /** Headers for every upstream request (extra_headers, organization); undefined when none. */
  readonly extraHeaders: Readonly<Record<string, string>> | undefined;
  /** litellm_params.tags (tag-based routing). */
  readonly tags: readonly string[] | undefined;
  /** general_settings.max_response_size_mb in bytes: the largest JSON answer read; undefined = no limit. */
  readonly maxResponseBytes: number | undefined;
  /** litellm_params.drop_params, else litellm_settings.drop_params: fields its provider cannot send are dropped, not refused. */
  readonly dropParams: boolean;
  /** litellm_params.additional_drop_params: request fields never sent to this deployment. */
  readonly alwaysDropped: readonly string[] | undefined;
  readonly price: Price;
  readonly entry: ModelEntry;
}

export interface DeploymentTable {
  readonly all: readonly Deployment[];
  readonly groups: ReadonlyMap<string, readonly Deployment[]>;
  readonly byId: ReadonlyMap<string, Deployment>;
  /** Model group names, sorted (for /v1/models and error messages). */
  readonly groupNames: readonly string[];
}

export interface TransportSource {
  http(origin: string): Transport;
  /** The in-process mock; `reply` fixes the text of its answers (litellm_params.mock_response). */
  inProcess(reply?: string): Transport;
}

export interface BuildResult {
  readonly table: DeploymentTable;
  readonly problems: string[];
  readonly warnings: string[];
}

/** LiteLLM's default when neither the deployment, router_settings nor litellm_settings set one. */
export const DEFAULT_TIMEOUT_SECONDS = 600;

export function stableDeploymentId(group: string, model: string, apiBase: string): string {
  return createHash("sha256").update(`${group}\0${model}\0${apiBase}`).digest("hex").slice(0, 16);
}

function inferMode(entry: ModelEntry, adapter: ProviderAdapter): DeploymentMode {
  const configured = entry.model_info?.mode;
  if (configured !== undefined) return configured;
  if (!adapter.operations.has("chat")) return "embedding";
  return /embed/i.test(entry.litellm_params.model ?? "") ? "embedding" : "chat";
}

export function buildDeployments(config: RawConfig, env: NodeJS.ProcessEnv, transports: TransportSource): BuildResult {
  const problems: string[] = [];
  const warnings: string[] = [];
  const all: Deployment[] = [];
  const byId = new Map<string, Deployment>();
  const router = config.router_settings;
  const defaultTimeout = router.timeout ?? config.litellm_settings.request_timeout ?? DEFAULT_TIMEOUT_SECONDS;
  const maxResponseMb = config.general_settings.max_response_size_mb;
  const maxResponseBytes = maxResponseMb === undefined ? undefined : Math.floor(maxResponseMb * MEGABYTE);

  config.model_list.forEach((entry, index) => {
    const path = `model_list[${index}].litellm_params`;
    const params = entry.litellm_params;
    const model = params.model;
    if (model === undefined) return; // reported by normalize
    const resolved = resolveModel(model);
    if ("error" in resolved) {
      problems.push(`${path}.model: ${resolved.error}`);
      return;
    }
    const { provider, upstreamModel } = resolved;
    // mock_response: answered in-process with that text, in the provider's own wire format.
    const mockResponse = params.mock_response;
    const configuredBase = params.api_base ?? (mockResponse === undefined ? provider.defaultApiBase : IN_PROCESS_BASE);
    if (configuredBase === undefined) {
      problems.push(`${path}.api_base: required for ${provider.adapter.kind}/ models`);
      return;
    }
    const base = new URL(configuredBase);
    const apiBase = configuredBase.replace(/\/+$/, "");
    const apiKey = params.api_key ?? (provider.apiKeyEnv === undefined ? undefined : env[provider.apiKeyEnv] || undefined);
    const id = entry.model_info?.id ?? stableDeploymentId(entry.model_name, model, apiBase);
    if (byId.has(id)) {
      problems.push(`model_list[${index}].model_info.id: "${id}" is already used by another deployment`);
      return;
    }
    const timeoutSeconds = params.timeout ?? defaultTimeout;
    const price = priceFor({
      localModel: provider.localModel,
      upstreamModel,
      inputCostPerToken: params.input_cost_per_token ?? entry.model_info?.input_cost_per_token,
      outputCostPerToken: params.output_cost_per_token ?? entry.model_info?.output_cost_per_token,
    });
    for (const { name, takenBy } of unusedProviderParams(params, provider)) {
      warnings.push(`${path}.${name}: only sent to ${takenBy.map((prefix) => `${prefix}/`).join(" and ")} deployments; ignored for ${provider.adapter.kind}/`);
    }
    if (price.source === "unknown") {
      warnings.push(`${path}.model: no price known for "${model}"; its cost is reported as 0 (set input_cost_per_token / output_cost_per_token)`);
    }
    const deployment: Deployment = {
      id,
      index,
      group: entry.model_name,
      model,
      provider,
      adapter: provider.adapter,
      target: { model: upstreamModel, basePath: base.pathname.replace(/\/+$/, ""), baseQuery: base.search, apiKey },
      apiBase,
      apiBaseForHeader: `${base.origin}${base.pathname.replace(/\/+$/, "")}`,
      origin: base.origin,
      server: { address: base.hostname, port: base.port === "" ? (base.protocol === "https:" ? 443 : 80) : Number(base.port) },
      transport: mockResponse !== undefined ? transports.inProcess(mockResponse) : provider.inProcess ? transports.inProcess() : transports.http(base.origin),
      mode: inferMode(entry, provider.adapter),
      rpm: params.rpm,
      tpm: params.tpm,
      weight: params.weight,
      timeoutMs: timeoutSeconds * 1000,
      streamTimeoutMs: (params.stream_timeout ?? router.stream_timeout ?? timeoutSeconds) * 1000,
      allowedFails: params.allowed_fails,
      cooldownTimeSeconds: params.cooldown_time,
      maxInputTokens: entry.model_info?.max_input_tokens ?? knownModel(upstreamModel)?.maxInputTokens,
      requestDefaults: requestDefaultsOf(params, provider),
      extraHeaders: extraHeadersOf(params),
      tags: params.tags,
      maxResponseBytes,
      dropParams: params.drop_params ?? config.litellm_settings.drop_params ?? false,
      alwaysDropped: params.additional_drop_params?.length ? params.additional_drop_params : undefined,
      price,
      entry,
    };
    all.push(deployment);
    byId.set(id, deployment);
  });

  const groups = new Map<string, Deployment[]>();
  for (const deployment of all) {
    const list = groups.get(deployment.group);
    if (list === undefined) groups.set(deployment.group, [deployment]);
    else list.push(deployment);
  }
  return { table: { all, groups, byId, groupNames: [...groups.keys()].sort() }, problems, warnings };
}
