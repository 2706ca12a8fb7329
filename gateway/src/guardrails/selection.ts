/**
 * Which guardrails run for one request, LiteLLM's way:
 * 1. every guardrail with `default_on: true` (all the seed's `llm_guard` scanners);
 * 2. the key's metadata `guardrails`: a list of names turns them on, a `{name: true|false}`
 *    mapping turns each on or off (keys are managed by the operator);
 * 3. the request's `guardrails` (body field or `metadata.guardrails`): a list of names turns them
 *    on; a `{name: false}` mapping turns one off only for the master key, an open gateway, or a
 *    key whose metadata has `allow_guardrail_override: true` (otherwise 403).
 * Unknown names in a request are a 400 that lists the configured ones. Without per-key or
 * per-request control (the common case) the selection is precomputed.
 */
import { GatewayError } from "../errors.ts";
import type { AuthContext } from "../request-state.ts";
import type { Phase, Scanner } from "./scanner.ts";

export interface GuardrailSelection {
  readonly input: readonly Scanner[];
  readonly output: readonly Scanner[];
}

interface Control {
  readonly enable: readonly string[];
  readonly disable: readonly string[];
}

const NONE: Control = { enable: [], disable: [] };

/** A list of names, or a {name: boolean} mapping; undefined when the value is neither. */
export function parseControl(value: unknown): Control | undefined {
  if (value === undefined || value === null) return NONE;
  if (Array.isArray(value)) return value.every((item) => typeof item === "string") ? { enable: value as string[], disable: [] } : undefined;
  if (typeof value !== "object") return undefined;
  const enable: string[] = [];
  const disable: string[] = [];
  for (const [name, on] of Object.entries(value)) {
    if (typeof on !== "boolean") return undefined;
    (on ? enable : disable).push(name);
  }
  return { enable, disable };
}

function metadataGuardrails(metadata: Readonly<Record<string, unknown>> | undefined): unknown {
  return metadata?.["guardrails"];
}

export class GuardrailCatalog {
  readonly names: readonly string[];
  readonly defaults: GuardrailSelection;
  private readonly scanners: Readonly<Record<Phase, readonly Scanner[]>>;
  private readonly known: ReadonlySet<string>;
  private readonly defaultOn: ReadonlySet<string>;
  private readonly perKey = new WeakMap<object, ReadonlySet<string>>();
  private readonly warn: (message: string) => void;
  private readonly warned = new Set<string>();

  constructor(input: readonly Scanner[], output: readonly Scanner[], defaultOn: ReadonlySet<string>, warn: (message: string) => void) {
    this.scanners = { input, output };
    this.known = new Set([...input, ...output].map((scanner) => scanner.name));
    this.names = [...this.known];
    this.defaultOn = defaultOn;
    this.defaults = this.selectionOf(defaultOn);
    this.warn = warn;
  }

  select(auth: AuthContext | undefined, requested: unknown, requestMetadata: Readonly<Record<string, unknown>> | undefined): GuardrailSelection {
    const fromRequest = [requested, metadataGuardrails(requestMetadata)].filter((value) => value !== undefined && value !== null);
    const keyValue = metadataGuardrails(auth?.metadata);
    if (fromRequest.length === 0 && keyValue === undefined) return this.defaults;
    let names = keyValue === undefined ? this.defaultOn : this.forKey(auth!.metadata!, keyValue);
    if (fromRequest.length === 0) return names === this.defaultOn ? this.defaults : this.selectionOf(names);
    names = new Set(names);
    for (const value of fromRequest) this.applyRequest(names as Set<string>, value, auth);
    return this.selectionOf(names);
  }

  private forKey(metadata: object, value: unknown): ReadonlySet<string> {
    let names = this.perKey.get(metadata);
    if (names !== undefined) return names;
    const control = parseControl(value);
    const set = new Set(this.defaultOn);
    if (control === undefined) this.warnOnce("a key's metadata.guardrails is neither a list of names nor a {name: true|false} mapping; ignored");
    else {
      for (const name of control.enable) {
        if (this.known.has(name)) set.add(name);
        else this.warnOnce(`a key's metadata.guardrails names unknown guardrail "${name}"; ignored`);
      }
      for (const name of control.disable) set.delete(name);
    }
    names = set;
    this.perKey.set(metadata, names);
    return names;
  }

  private applyRequest(names: Set<string>, value: unknown, auth: AuthContext | undefined): void {
    const control = parseControl(value);
    if (control === undefined) throw new GatewayError("invalid_request", "guardrails must be a list of guardrail names or a {name: true|false} mapping", { param: "guardrails" });
    const unknown = [...control.enable, ...control.disable].filter((name) => !this.known.has(name));
    if (unknown.length > 0) {
      throw new GatewayError("invalid_request", `Unknown guardrail ${unknown.map((name) => `'${name}'`).join(", ")}. Configured guardrails: ${this.names.join(", ")}`, { param: "guardrails" });
    }
    for (const name of control.enable) names.add(name);
    if (control.disable.length === 0) return;
    const mayDisable = auth === undefined || auth.kind === "master" || auth.kind === "open" || auth.metadata?.["allow_guardrail_override"] === true;
    if (!mayDisable) throw new GatewayError("permission_denied", "This key may not turn guardrails off (its metadata needs allow_guardrail_override: true).");
    for (const name of control.disable) names.delete(name);
  }

  private selectionOf(names: ReadonlySet<string>): GuardrailSelection {
    return {
      input: this.scanners.input.filter((scanner) => names.has(scanner.name)),
      output: this.scanners.output.filter((scanner) => names.has(scanner.name)),
    };
  }

  private warnOnce(message: string): void {
    if (this.warned.has(message) || this.warned.size > 100) return;
    this.warned.add(message);
    this.warn(message);
  }
}
