/**
 * JSON body templates. A body is plain JSON with three additions, compiled once at load time:
 * - `{"$choice": [a, b, ...]}` is replaced by one element picked at random per request;
 * - `{{uuid}}`, `{{sequence}}` (request number) and `{{user}}` (user number) inside strings;
 * - `${NAME}` / `${NAME:-default}` environment references inside strings (resolved at load).
 * A body whose `stream` is true is read as a server-sent event stream.
 */
import { randomUUID } from "node:crypto";
import { resolveEnvRefs } from "./env-refs.ts";
import type { Env } from "./env-refs.ts";
import type { Random } from "./random.ts";

export interface RenderContext {
  readonly random: Random;
  readonly user: number;
  readonly sequence: number;
}

export interface RenderedBody {
  readonly text: string;
  readonly stream: boolean;
}

export interface BodyTemplate {
  render(context: RenderContext): RenderedBody;
}

type Node = (context: RenderContext) => unknown;

const PLACEHOLDER = /\{\{\s*([a-z_]+)\s*\}\}/g;
const PLACEHOLDERS: Readonly<Record<string, (context: RenderContext) => string>> = {
  uuid: () => randomUUID(),
  sequence: (context) => String(context.sequence),
  user: (context) => String(context.user),
};

function compileString(text: string, env: Env, where: string): Node | string {
  const resolved = resolveEnvRefs(text, env, where);
  const names = [...resolved.matchAll(PLACEHOLDER)].map((match) => match[1] ?? "");
  const unknown = names.find((name) => PLACEHOLDERS[name] === undefined);
  if (unknown !== undefined) throw new Error(`${where}: unknown placeholder {{${unknown}}} (known: ${Object.keys(PLACEHOLDERS).map((n) => `{{${n}}}`).join(", ")})`);
  if (names.length === 0) return resolved;
  return (context) => resolved.replace(PLACEHOLDER, (_whole, name: string) => (PLACEHOLDERS[name] ?? (() => ""))(context));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** A compiled node is either a constant (any JSON) or a function of the request context. */
type Compiled = { readonly constant: unknown } | { readonly node: Node };

type Constant = { readonly constant: unknown };

function allConstant(items: Compiled[]): items is Constant[] {
  return items.every((item) => "constant" in item);
}

function evaluate(compiled: Compiled, context: RenderContext): unknown {
  return "node" in compiled ? compiled.node(context) : compiled.constant;
}

function compileChoice(options: unknown, env: Env, where: string): Compiled {
  if (!Array.isArray(options) || options.length === 0) throw new Error(`${where}.$choice: must be a non-empty list`);
  const compiled = options.map((option, index) => compileValue(option, env, `${where}.$choice[${index}]`));
  return { node: (context) => evaluate(compiled[Math.floor(context.random() * compiled.length)] as Compiled, context) };
}

function compileValue(value: unknown, env: Env, where: string): Compiled {
  if (typeof value === "string") {
    const compiled = compileString(value, env, where);
    return typeof compiled === "string" ? { constant: compiled } : { node: compiled };
  }
  if (Array.isArray(value)) {
    const items = value.map((item, index) => compileValue(item, env, `${where}[${index}]`));
    if (allConstant(items)) return { constant: items.map((item) => item.constant) };
    return { node: (context) => items.map((item) => evaluate(item, context)) };
  }
  if (isRecord(value)) {
    const keys = Object.keys(value);
    if (keys.includes("$choice")) {
      if (keys.length !== 1) throw new Error(`${where}: an object with $choice must have no other keys`);
      return compileChoice(value["$choice"], env, where);
    }
    const fields = keys.map((key) => compileValue(value[key], env, `${where}.${key}`));
    if (allConstant(fields)) return { constant: Object.fromEntries(keys.map((key, i) => [key, fields[i]?.constant])) };
    return { node: (context) => Object.fromEntries(keys.map((key, i) => [key, evaluate(fields[i] as Compiled, context)])) };
  }
  return { constant: value };
}

function rendered(value: unknown): RenderedBody {
  return { text: JSON.stringify(value), stream: isRecord(value) && value["stream"] === true };
}

export function compileBody(value: unknown, env: Env, where: string): BodyTemplate {
  const compiled = compileValue(value, env, where);
  if ("constant" in compiled) {
    const fixed = rendered(compiled.constant);
    return { render: () => fixed };
  }
  return { render: (context) => rendered(compiled.node(context)) };
}
