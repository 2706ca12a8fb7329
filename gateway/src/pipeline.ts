/**
 * The proxied request, stage by stage, for the three OpenAI operations:
 * resolve the model group → route (strategy, retries, fallbacks) → call the deployment →
 * answer as JSON or as an SSE stream, with the x-litellm-* headers, usage and cost.
 * Optional stages (guardrails, cache, spend) plug in here, in this order:
 * guardrails in → cache get → route → guardrails out → cache set → (observers: spend, metrics).
 */
import type { Logger } from "pino";
import { GatewayError } from "./errors.ts";
import { refuseGuardrails } from "./http/gateway-params.ts";
import type { GatewayParams } from "./http/gateway-params.ts";
import { litellmHeaders } from "./http/litellm-headers.ts";
import { sendJsonText } from "./http/respond.ts";
import { SseWriter } from "./http/sse.ts";
import { callDeployment } from "./providers/call-upstream.ts";
import type { CallRequest, JsonResult, StreamResult, UpstreamStream } from "./providers/call-upstream.ts";
import type { ChatRequest, Operation, RequestBody } from "./providers/openai-types.ts";
import { unsendableContent } from "./providers/content-parts.ts";
import { presentParams, unsupportedParams, unsupportedParamsError, withoutParams } from "./providers/param-support.ts";
import type { StreamEvent } from "./providers/provider.ts";
import type { PharosContext, RequestState } from "./request-state.ts";
import type { Deployment, DeploymentMode, DeploymentTable } from "./router/deployments.ts";
import { promptCheck } from "./router/context-window.ts";
import type { Router } from "./router/router.ts";
import { costOf } from "./spend/pricing.ts";
import type { ErrorCode } from "./errors.ts";
import { NO_PIPELINE_TELEMETRY } from "./telemetry/pipeline-telemetry.ts";
import type { CacheStage, StreamRecorder } from "./cache/cache-stage.ts";
import type { CachePlan } from "./cache/response-cache.ts";
import type { KeyGuard } from "./keys/key-guard.ts";
import { modelAccessError } from "./keys/model-access.ts";
import type { Guardrails, OutputGuard, StreamGuard } from "./guardrails/guardrails.ts";
import type { PipelineTelemetry } from "./telemetry/pipeline-telemetry.ts";

export interface PipelineOptions {
  readonly table: DeploymentTable;
  readonly router: Router;
  readonly logger: Logger;
  /** Traces and per-attempt metrics (telemetry/pipeline-telemetry.ts). */
  readonly telemetry?: PipelineTelemetry;
  /** Virtual keys: model access, budget, rpm/tpm/parallel limits (keys/key-guard.ts). */
  readonly keys?: KeyGuard | undefined;
  /** The response cache (cache/cache-stage.ts), when litellm_settings.cache is on. */
  readonly cache?: CacheStage | undefined;
  /** Input and output scanners (guardrails/guardrails.ts), when any guardrail is configured. */
  readonly guardrails?: Guardrails | undefined;
}

const MODES: Record<Operation, ReadonlySet<DeploymentMode>> = {
  chat: new Set(["chat", "completion"]),
  text_completion: new Set(["chat", "completion"]),
  embeddings: new Set(["embedding"]),
};

const OPERATION_NAMES: Record<Operation, string> = { chat: "chat completions", text_completion: "text completions", embeddings: "embeddings" };

const CAN_SERVE: Record<Operation, (deployment: Deployment) => boolean> = {
  chat: (deployment) => deployment.adapter.operations.has("chat") && MODES.chat.has(deployment.mode),
  text_completion: (deployment) => deployment.adapter.operations.has("text_completion") && MODES.text_completion.has(deployment.mode),
  embeddings: (deployment) => deployment.adapter.operations.has("embeddings") && MODES.embeddings.has(deployment.mode),
};

/** Aborts when the client closes the connection before the response is complete. */
function clientGoneSignal(ctx: PharosContext): AbortSignal {
  const controller = new AbortController();
  const res = ctx.res;
  res.once("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}

const COST_HEADER = "x-litellm-response-cost";
const COST_TRAILER: readonly string[] = [COST_HEADER];

function costTrailer(state: RequestState): Record<string, string> {
  return { [COST_HEADER]: String(state.costUsd) };
}

function payloadsOf(events: readonly StreamEvent[]): string[] {
  return events.map((event) => event.raw ?? JSON.stringify(event.chunk));
}

function finishReasonsOf(body: unknown): string[] | undefined {
  const choices = (body as { choices?: unknown }).choices;
  if (!Array.isArray(choices)) return undefined;
  const reasons: string[] = [];
  for (const choice of choices) {
    const reason = (choice as { finish_reason?: unknown }).finish_reason;
    if (typeof reason === "string") reasons.push(reason);
  }
  return reasons;
}

export class Pipeline {
  private readonly table: DeploymentTable;
  private readonly router: Router;
  private readonly logger: Logger;
  private readonly telemetry: PipelineTelemetry;
  private readonly keys: KeyGuard | undefined;
  private readonly cache: CacheStage | undefined;
  private readonly guardrails: Guardrails | undefined;

  constructor(options: PipelineOptions) {
    this.table = options.table;
    this.router = options.router;
    this.logger = options.logger;
    this.telemetry = options.telemetry ?? NO_PIPELINE_TELEMETRY;
    this.keys = options.keys;
    this.cache = options.cache;
    this.guardrails = options.guardrails;
  }

  async run(ctx: PharosContext, op: Operation, body: RequestBody, params: GatewayParams): Promise<void> {
    const state = ctx.state;
    const aliases = this.router.policy.aliases;
    const group = aliases.targets.get(body.model) ?? body.model;
    state.op = op;
    state.group = group;
    state.requestTags = params.tags;
    const deployments = this.table.groups.get(group);
    if (deployments === undefined) throw this.unknownModel(group);
    const canServe = CAN_SERVE[op];
    if (!deployments.some(canServe)) {
      throw new GatewayError("unsupported_operation", `Model group '${group}' does not serve ${OPERATION_NAMES[op]} (its deployments are ${deployments[0]!.mode} models)`, { param: "model" });
    }
    const fallbacks = params.fallbacks === undefined ? undefined : this.requestFallbacks(state, params.fallbacks);
    const tracer = this.telemetry.tracer;
    if (tracer !== undefined) state.trace = tracer.start(ctx.headers, op, group, state.startedAt);
    const stream = op !== "embeddings" && (body as ChatRequest).stream === true;
    state.stream = stream;
    // Key checks: access and budget throw at once; the rate limits' Redis round trip overlaps the cache read's.
    const admitted = this.keys?.admit(ctx, group, body.model);
    admitted?.catch(() => undefined); // awaited below
    const inputSpan = this.guardrails === undefined ? undefined : state.trace?.stage("guardrails input");
    const outputGuard = this.guardrails === undefined ? refuseGuardrails(params) : this.guardrails.checkInput(ctx, op, body, params, deployments[0]!.model);
    inputSpan?.end();
    const cacheSpan = this.cache === undefined ? undefined : state.trace?.stage("cache lookup");
    if (this.cache === undefined) await admitted;
    const cachePlan = this.cache === undefined ? undefined : await this.cache.before(ctx, op, body, params, admitted, outputGuard?.cacheVariant);
    cacheSpan?.end({ "pharos.cache.result": state.cacheResult ?? "bypass" });
    if (cachePlan === "served") return;
    const call: CallRequest = {
      op,
      body,
      stream,
      includeUsage: stream && (body as ChatRequest).stream_options?.include_usage === true,
      ids: { id: state.callId, created: Math.floor(state.startedAtEpochMs / 1000) },
      clientSignal: clientGoneSignal(ctx),
    };
    state.trace?.routeStarted(group);
    const prompt = this.router.policy.preCallChecks ? promptCheck(op, body) : undefined;
    const outcome = await this.router.route(group, canServe, (deployment) => this.attempt(state, deployment, call), {
      stream,
      signal: call.clientSignal,
      counters: state,
      prompt,
      tags: params.tags,
      numRetries: params.numRetries,
      fallbacks,
    });
    state.deployment = outcome.deployment;
    state.attemptedRetries = outcome.attemptedRetries;
    state.attemptedFallbacks = outcome.attemptedFallbacks;
    state.trace?.routeEnded(outcome.attemptedRetries, outcome.attemptedFallbacks);
    // finish() releases the deployment's in-flight slot and reports tokens (and a broken stream) to the router.
    let failure: GatewayError | undefined;
    try {
      if (outcome.value.kind === "json") this.sendJson(ctx, outcome.value, cachePlan, outputGuard);
      else failure = await this.sendStream(ctx, outcome.value.stream, cachePlan === undefined ? undefined : this.cache?.recorder(cachePlan), outputGuard?.stream());
    } finally {
      outcome.finish({ usage: state.usage, error: failure });
    }
  }

  /** The 404 for a model group that does not exist, listing the ones that do (aliases included). */
  private unknownModel(group: string, param = "model"): GatewayError {
    const known = [...this.table.groupNames, ...this.router.policy.aliases.listed];
    const shown = known.length > 20 ? `${known.slice(0, 20).join(", ")}, … (${known.length} in all)` : known.join(", ");
    return new GatewayError("unknown_model", `Model group '${group}' does not exist. Available model groups: ${shown || "(none configured)"}`, { param });
  }

  /** The request's own `fallbacks` as model groups (aliases resolved): each must exist and be one the caller may call. */
  private requestFallbacks(state: RequestState, names: readonly string[]): string[] {
    const aliases = this.router.policy.aliases;
    return names.map((name) => {
      const group = aliases.targets.get(name) ?? name;
      if (!this.table.groups.has(group)) throw this.unknownModel(name, "fallbacks");
      const denied = modelAccessError(state.auth, group, name, "fallbacks");
      if (denied !== undefined) throw denied;
      return group;
    });
  }

  /** One attempt; its time waiting on the upstream counts as upstream time, success or not. */
  private async attempt(state: RequestState, deployment: Deployment, request: CallRequest): Promise<JsonResult | StreamResult> {
    state.deployment = deployment;
    // litellm_params.additional_drop_params: never sent to this deployment, whatever its provider takes.
    const dropped = deployment.alwaysDropped === undefined ? undefined : presentParams(request.body, deployment.alwaysDropped);
    const sent = dropped === undefined ? request : { ...request, body: withoutParams(request.body, dropped) };
    const refused = unsendableContent(sent.op, sent.body, deployment);
    if (refused !== undefined) throw refused;
    const unsupported = unsupportedParams(sent.body, deployment.adapter.params[sent.op]);
    const call = unsupported === undefined ? sent : this.withoutUnsupported(state, deployment, sent, unsupported);
    const started = performance.now();
    state.trace?.attemptStarted(deployment, call.op);
    try {
      const result = await callDeployment(deployment, call);
      state.upstreamMs += result.kind === "json" ? result.upstreamMs : result.stream.waitedMs;
      // A stream's attempt ends with the stream (sendStream).
      if (result.kind === "json") this.attemptEnded(state, call.op, deployment, started, undefined);
      return result;
    } catch (error) {
      state.upstreamMs += performance.now() - started;
      this.attemptEnded(state, call.op, deployment, started, error instanceof GatewayError ? error.code : "internal_error");
      throw error;
    }
  }

  /**
   * Fields the deployment's provider cannot send (param-support.ts): under drop_params the call
   * goes without them (logged at debug, counted); otherwise the 400 naming them, before any
   * upstream call. The client's body stays whole for the other deployments a retry may pick.
   */
  private withoutUnsupported(state: RequestState, deployment: Deployment, call: CallRequest, names: readonly string[]): CallRequest {
    if (!deployment.dropParams) throw unsupportedParamsError(deployment, call.op, call.body, names);
    const provider = deployment.adapter.kind;
    if (this.logger.isLevelEnabled("debug")) {
      this.logger.debug(
        { callId: state.callId, group: deployment.group, deployment: deployment.id, provider, params: names },
        `drop_params: ${names.map((name) => `'${name}'`).join(", ")} left out of the request to deployment ${deployment.id} (${provider} does not support ${names.length === 1 ? "it" : "them"})`,
      );
    }
    this.telemetry.paramsDropped?.(deployment, names);
    return { ...call, body: withoutParams(call.body, names) };
  }

  /** Per-attempt metrics (gen_ai.client.operation.duration) and the attempt's span. */
  private attemptEnded(state: RequestState, op: Operation, deployment: Deployment, started: number, error: ErrorCode | undefined): void {
    this.telemetry.attemptEnded?.(op, deployment, performance.now() - started, error);
    state.trace?.attemptEnded(error);
  }

  private sendJson(ctx: PharosContext, result: JsonResult, cachePlan: CachePlan | undefined, outputGuard: OutputGuard | undefined): void {
    const state = ctx.state;
    const { parsed } = result;
    state.usage = parsed.usage;
    state.costUsd = costOf(parsed.usage, state.deployment!.price);
    state.finishReasons = finishReasonsOf(parsed.body);
    // Throws guardrail_violation on a block; true when it redacted the body in place.
    const outputSpan = outputGuard === undefined ? undefined : state.trace?.stage("guardrails output");
    const redacted = outputGuard?.checkJson(parsed.body) === true;
    outputSpan?.end({ "pharos.guardrail.redacted": redacted });
    const text = (redacted ? undefined : parsed.raw) ?? JSON.stringify(parsed.body);
    sendJsonText(ctx, text, litellmHeaders(state, performance.now() - state.startedAt, true));
    if (cachePlan !== undefined) this.cache?.storeJson(cachePlan, text, parsed.usage);
  }

  /** Streams to the client; returns the upstream failure that broke the stream, if any. */
  private async sendStream(ctx: PharosContext, stream: UpstreamStream, recorder: StreamRecorder | undefined, guard: StreamGuard | undefined): Promise<GatewayError | undefined> {
    const state = ctx.state;
    // Before the commit, a guardrail block is still an ordinary 400.
    const first = guard?.filter(stream.first);
    if (first?.block !== undefined) {
      stream.close();
      this.attemptEnded(state, state.op ?? "chat", stream.deployment, stream.startedAt, undefined);
      throw first.block;
    }
    const writer = new SseWriter(ctx.res);
    ctx.respond = false;
    ctx.status = 200;
    const upstreamBeforeCommit = stream.waitedMs;
    // A stream's cost is known only at its end: it follows as an HTTP trailer.
    writer.start(litellmHeaders(state, performance.now() - state.startedAt, false), COST_TRAILER);
    const finishReasons: string[] = [];
    const collect = (events: readonly StreamEvent[]): void => {
      for (const event of events) {
        const reason = event.chunk.choices[0]?.finish_reason;
        if (typeof reason === "string") finishReasons.push(reason);
      }
    };
    collect(stream.first);
    const firstPayloads = first?.payloads ?? payloadsOf(stream.first);
    recorder?.push(firstPayloads);
    await writer.write(firstPayloads);
    state.timeToFirstChunkMs = performance.now() - state.startedAt;
    let failure: GatewayError | undefined;
    let blocked: GatewayError | undefined;
    try {
      while (writer.open) {
        const events = await stream.next();
        if (events === undefined) break;
        collect(events);
        const guarded = guard?.filter(events);
        const payloads = guarded?.payloads ?? payloadsOf(events);
        recorder?.push(payloads);
        await writer.write(payloads);
        blocked = guarded?.block;
        if (blocked !== undefined) break;
      }
    } catch (error) {
      failure = error instanceof GatewayError ? error : new GatewayError("upstream_connection", String(error), { cause: error });
    } finally {
      state.upstreamMs += stream.waitedMs - upstreamBeforeCommit;
      state.usage = stream.usage;
      state.costUsd = costOf(stream.usage, stream.deployment.price);
      state.finishReasons = finishReasons;
    }
    this.attemptEnded(state, state.op ?? "chat", stream.deployment, stream.startedAt, failure?.code ?? (writer.open ? undefined : "client_closed_request"));
    guard?.finish();
    if (!writer.open) {
      // The client went away: stop the upstream request too.
      stream.close();
      state.errorCode = "client_closed_request";
      state.errorMessage = "The client closed the connection during the stream";
      return undefined;
    }
    if (blocked !== undefined) {
      // A guardrail stopped the response: end it in-band (the chunk that completed the forbidden
      // text was not sent), and stop the upstream.
      stream.close();
      state.errorCode = blocked.code;
      state.errorMessage = blocked.message;
      writer.end(JSON.stringify(blocked.toBody()), costTrailer(state));
      return undefined;
    }
    if (failure !== undefined) {
      state.errorCode = failure.code;
      state.errorMessage = failure.message;
      this.logger.error({ callId: state.callId, code: failure.code, group: state.group, deployment: stream.deployment.id }, `stream failed mid-way: ${failure.message}`);
      writer.end(JSON.stringify(failure.toBody()), costTrailer(state));
      return failure;
    }
    writer.end(undefined, costTrailer(state));
    recorder?.commit(state.usage);
    return undefined;
  }
}
