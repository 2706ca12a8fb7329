/**
 * The guardrails stage of the pipeline, built once at boot from the config:
 * - `checkInput` (before routing): selects the request's guardrails, runs the input scanners
 *   over the prompt (blocking with a localized 400, or redacting the body in place) and returns
 *   the output guard for the response, if any output scanner applies;
 * - `OutputGuard.checkJson` scans a whole JSON response (block → 400; redact in place);
 * - `OutputGuard.stream()` scans a stream chunk by chunk over a sliding window (block → the
 *   pipeline ends the stream with an in-band error event and [DONE]).
 * With no guardrail configured, `createGuardrails` returns undefined and the pipeline skips the
 * stage with one branch.
 */
import type { Logger } from "pino";
import type { RawConfig } from "../config/schema.ts";
import { GatewayError } from "../errors.ts";
import type { GatewayParams } from "../http/gateway-params.ts";
import type { Operation, RequestBody } from "../providers/openai-types.ts";
import type { StreamEvent } from "../providers/provider.ts";
import type { PharosContext } from "../request-state.ts";
import { buildScanner } from "./build.ts";
import { guardrailSpecs } from "./config.ts";
import type { Language } from "./kinds.ts";
import { blockMessage, negotiateLanguage } from "./messages.ts";
import { runPhase, ScanLedger } from "./runner.ts";
import type { Block, GuardrailMetrics } from "./runner.ts";
import type { Phase, RedactSpan, Scanner } from "./scanner.ts";
import { ScanText } from "./scanner.ts";
import { applyEdits, inputSegments, JoinedSegments, OPERATOR_ROLES, outputSegments, writeEdits } from "./segments.ts";
import type { Segment } from "./segments.ts";
import { GuardrailCatalog } from "./selection.ts";
import { encoding, encodingForModel } from "../tokens/token-count.ts";

export const DEFAULT_DEADLINE_MS = 50;
export const DEFAULT_STREAM_WINDOW_CHARS = 1024;
export const APPLIED_HEADER = "x-litellm-applied-guardrails";

export interface GuardrailSettings {
  readonly multilingualErrors: boolean;
  readonly inputDeadlineMs: number;
  readonly outputDeadlineMs: number;
  readonly streamWindowChars: number;
}

export interface GuardrailsDeps {
  readonly logger: Logger;
  readonly metrics?: GuardrailMetrics | undefined;
}

/** The guardrails of a config, or undefined when none is configured. */
export function createGuardrails(config: RawConfig, deps: GuardrailsDeps): Guardrails | undefined {
  const specs = guardrailSpecs(config);
  const block = config.llm_guard;
  const input: Scanner[] = [];
  const output: Scanner[] = [];
  for (const spec of specs) {
    if (spec.phases.includes("input")) input.push(buildScanner(spec, "input", block?.input_scanning?.fail_mode));
    if (spec.phases.includes("output")) output.push(buildScanner(spec, "output", block?.output_scanning?.fail_mode));
  }
  if (input.length === 0 && output.length === 0) return undefined;
  if (input.some((scanner) => scanner.kind === "token_limit")) {
    // Load the tokenizers the configured models need now, not on a first long prompt.
    for (const entry of config.model_list) encoding(encodingForModel(entry.litellm_params.model));
  }
  const settings: GuardrailSettings = {
    multilingualErrors: block?.multilingual_errors ?? false,
    inputDeadlineMs: block?.input_scanning?.deadline_ms ?? DEFAULT_DEADLINE_MS,
    outputDeadlineMs: block?.output_scanning?.deadline_ms ?? DEFAULT_DEADLINE_MS,
    streamWindowChars: Math.max(block?.output_scanning?.stream_window_chars ?? DEFAULT_STREAM_WINDOW_CHARS, longestBannedSubstring(config)),
  };
  const defaultOn = new Set(specs.filter((spec) => spec.defaultOn).map((spec) => spec.name));
  return new Guardrails(input, output, defaultOn, settings, deps);
}

/** The window must hold the longest banned substring, or one could pass split across chunks. */
function longestBannedSubstring(config: RawConfig): number {
  let longest = 0;
  for (const spec of guardrailSpecs(config)) {
    const substrings = spec.options["substrings"];
    if (Array.isArray(substrings)) for (const item of substrings) if (typeof item === "string") longest = Math.max(longest, item.length);
  }
  return longest;
}

export class Guardrails {
  readonly catalog: GuardrailCatalog;
  readonly settings: GuardrailSettings;
  private readonly deps: GuardrailsDeps;

  constructor(input: readonly Scanner[], output: readonly Scanner[], defaultOn: ReadonlySet<string>, settings: GuardrailSettings, deps: GuardrailsDeps) {
    this.settings = settings;
    this.deps = deps;
    this.catalog = new GuardrailCatalog(input, output, defaultOn, (message) => deps.logger.warn(message));
  }

  /**
   * Runs the request's input guardrails (throws a guardrail_violation GatewayError on a block;
   * redacts `body` in place) and returns the guard for its response, if any.
   * `model` is the provider-prefixed model of the group (TokenLimit's tokenizer).
   */
  checkInput(ctx: PharosContext, op: Operation, body: RequestBody, params: GatewayParams, model: string | undefined): OutputGuard | undefined {
    const segments = inputSegments(op, body);
    if (segments === undefined) return undefined;
    const selection = this.catalog.select(ctx.state.auth, params.guardrails, params.metadata);
    if (selection.input.length === 0 && selection.output.length === 0) return undefined;
    const request: RequestFacts = { ctx, callId: ctx.state.callId, acceptLanguage: ctx.get("accept-language") };
    const applied: string[] = [];
    if (selection.input.length > 0) {
      const ledger = new ScanLedger(selection.input);
      const texts = new InputTexts(segments, model);
      const outcome = runPhase(selection.input, (scanner) => texts.for(scanner), this.settings.inputDeadlineMs, ledger);
      ledger.flush(this.deps.metrics);
      applied.push(...ledger.names());
      if (outcome.skipped.length > 0) this.logSkipped(request, "input", outcome.skipped);
      if (outcome.block !== undefined) {
        ctx.state.appliedGuardrails = applied;
        throw this.blocked(request, "input", outcome.block, applied);
      }
      if (outcome.redactions !== undefined) texts.redact(outcome.redactions);
    }
    for (const scanner of selection.output) if (!applied.includes(scanner.name)) applied.push(scanner.name);
    ctx.state.appliedGuardrails = applied;
    return selection.output.length > 0 ? new OutputGuard(this, selection.output, request, applied) : undefined;
  }

  /** The client error for a block, logged with the scanner and reason (never the text). */
  blocked(request: RequestFacts, phase: Phase, block: Block, applied: readonly string[]): GatewayError {
    const scanner = block.scanner;
    this.deps.logger.warn(
      { callId: request.callId, guardrail: scanner.name, scanner: scanner.kind, phase, reason: block.reason, score: Math.round(block.score * 1000) / 1000, detail: block.detail },
      `guardrail ${scanner.name} blocked the ${phase === "input" ? "request" : "response"}: ${block.reason}`,
    );
    const language: Language = this.settings.multilingualErrors ? negotiateLanguage(request.acceptLanguage) : "en";
    return new GatewayError("guardrail_violation", blockMessage(language, phase, block.reason, scanner.name, block.params), {
      headers: { [APPLIED_HEADER]: applied.join(",") },
    });
  }

  logSkipped(request: RequestFacts, phase: Phase, skipped: readonly Scanner[]): void {
    this.deps.logger.warn({ callId: request.callId, phase, guardrails: skipped.map((scanner) => scanner.name) }, "guardrails skipped (failed or past the deadline; fail_mode open)");
  }

  get metrics(): GuardrailMetrics | undefined {
    return this.deps.metrics;
  }
}

interface RequestFacts {
  readonly ctx: PharosContext;
  readonly callId: string;
  readonly acceptLanguage: string;
}

/** The prompt as the input scanners read it: the conversation, or every message (TokenLimit). */
class InputTexts {
  private readonly segments: readonly Segment[];
  private readonly model: string | undefined;
  private readonly joined = new Map<ScanText, JoinedSegments>();
  private conversation: ScanText | undefined;
  private all: ScanText | undefined;

  constructor(segments: readonly Segment[], model: string | undefined) {
    this.segments = segments;
    this.model = model;
  }

  for(scanner: Scanner): ScanText {
    if (scanner.roles === "all") return (this.all ??= this.text(this.segments));
    return (this.conversation ??= this.text(this.segments.filter((segment) => !OPERATOR_ROLES.has(segment.role))));
  }

  redact(redactions: ReadonlyMap<ScanText, RedactSpan[]>): void {
    const edits = new Map<Segment, RedactSpan[]>();
    for (const [text, spans] of redactions) this.joined.get(text)?.editsOf(spans, edits);
    writeEdits(edits);
  }

  private text(segments: readonly Segment[]): ScanText {
    const joined = new JoinedSegments(segments);
    const text = new ScanText(joined.text, 0, this.model, segments.length);
    this.joined.set(text, joined);
    return text;
  }
}

/** The output guardrails of one request. */
export class OutputGuard {
  private readonly guardrails: Guardrails;
  private readonly scanners: readonly Scanner[];
  private readonly request: RequestFacts;
  private readonly applied: readonly string[];
  /** The output scanners, as a cache-key variant: an answer is reused only under the same ones. */
  readonly cacheVariant: string;

  constructor(guardrails: Guardrails, scanners: readonly Scanner[], request: RequestFacts, applied: readonly string[]) {
    this.guardrails = guardrails;
    this.scanners = scanners;
    this.request = request;
    this.applied = applied;
    this.cacheVariant = `guardrails:${scanners.map((scanner) => scanner.name).sort().join(",")}`;
  }

  /** Scans a JSON response; throws on a block; returns true when it redacted the body (in place). */
  checkJson(body: unknown): boolean {
    const segments = outputSegments(body);
    if (segments.length === 0) return false;
    const joined = new JoinedSegments(segments);
    const text = new ScanText(joined.text);
    const ledger = new ScanLedger(this.scanners);
    const outcome = runPhase(this.scanners, () => text, this.guardrails.settings.outputDeadlineMs, ledger);
    ledger.flush(this.guardrails.metrics);
    if (outcome.skipped.length > 0) this.guardrails.logSkipped(this.request, "output", outcome.skipped);
    if (outcome.block !== undefined) throw this.guardrails.blocked(this.request, "output", outcome.block, this.applied);
    const spans = outcome.redactions?.get(text);
    if (spans === undefined) return false;
    const edits = new Map<Segment, RedactSpan[]>();
    joined.editsOf(spans, edits);
    writeEdits(edits);
    return true;
  }

  stream(): StreamGuard {
    return new StreamGuard(this.guardrails, this.scanners, this.request, this.applied);
  }
}

export interface GuardedPayloads {
  /** The frames to send (JSON texts), up to the blocked chunk. */
  readonly payloads: string[];
  /** Set when a chunk was blocked: send the payloads, then end the stream with this error. */
  readonly block: GatewayError | undefined;
}

type StreamChoice = { index?: number; delta?: { content?: string | null }; text?: string };

/**
 * Scans a stream chunk by chunk. Each choice keeps a window of the last `stream_window_chars`
 * characters already sent; a chunk is scanned as window + chunk, and only findings that end in
 * the chunk count. A forbidden span is therefore caught in the chunk that completes it, before
 * that chunk is sent: the client never receives a complete forbidden span shorter than the
 * window, at most its beginning.
 */
export class StreamGuard {
  private readonly guardrails: Guardrails;
  private readonly scanners: readonly Scanner[];
  private readonly request: RequestFacts;
  private readonly applied: readonly string[];
  private readonly ledger: ScanLedger;
  private readonly tails = new Map<number, string>();
  private loggedSkips = false;

  constructor(guardrails: Guardrails, scanners: readonly Scanner[], request: RequestFacts, applied: readonly string[]) {
    this.guardrails = guardrails;
    this.scanners = scanners;
    this.request = request;
    this.applied = applied;
    this.ledger = new ScanLedger(scanners);
  }

  filter(events: readonly StreamEvent[]): GuardedPayloads {
    const payloads: string[] = [];
    for (const event of events) {
      let changed = false;
      for (const choice of event.chunk.choices as StreamChoice[]) {
        const result = this.scanChoice(choice);
        if (result instanceof GatewayError) return { payloads, block: result };
        changed ||= result;
      }
      payloads.push(changed || event.raw === undefined ? JSON.stringify(event.chunk) : event.raw);
    }
    return { payloads, block: undefined };
  }

  /** Records the request's scan times (once, when the stream ends). */
  finish(): void {
    this.ledger.flush(this.guardrails.metrics);
  }

  /** Scans one choice's new text: a block error, or whether the text was redacted. */
  private scanChoice(choice: StreamChoice): GatewayError | boolean {
    const fresh = choice.delta !== undefined ? choice.delta.content : choice.text;
    if (typeof fresh !== "string" || fresh === "") return false;
    const index = choice.index ?? 0;
    const tail = this.tails.get(index) ?? "";
    const window = tail + fresh;
    const text = new ScanText(window, tail.length);
    const outcome = runPhase(this.scanners, () => text, this.guardrails.settings.outputDeadlineMs, this.ledger);
    if (outcome.skipped.length > 0 && !this.loggedSkips) {
      this.loggedSkips = true;
      this.guardrails.logSkipped(this.request, "output", outcome.skipped);
    }
    if (outcome.block !== undefined) return this.guardrails.blocked(this.request, "output", outcome.block, this.applied);
    const limit = this.guardrails.settings.streamWindowChars;
    this.tails.set(index, window.length > limit ? window.slice(window.length - limit) : window);
    const spans = outcome.redactions?.get(text);
    if (spans === undefined) return false;
    const edits = spans
      .map((span) => ({ start: Math.max(span.start, tail.length) - tail.length, end: span.end - tail.length, replacement: span.replacement }))
      .filter((edit) => edit.end > edit.start);
    if (edits.length === 0) return false;
    const redacted = applyEdits(fresh, edits);
    if (choice.delta !== undefined) choice.delta.content = redacted;
    else choice.text = redacted;
    return true;
  }
}
