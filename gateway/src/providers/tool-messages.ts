/**
 * Tool turns of an OpenAI conversation, for providers that name tools differently. OpenAI links
 * a `tool` message to the call it answers by `tool_call_id`; Ollama (`tool_name`) and Gemini
 * (`functionResponse.name`) want the function's name, which only the assistant turn that made
 * the call holds.
 */
import { GatewayError } from "../errors.ts";
import { isObject } from "./json.ts";
import type { JsonObject } from "./json.ts";
import type { ChatMessage, ToolCall } from "./openai-types.ts";

/** The function name of every tool call id made in the conversation's assistant turns. */
export function toolCallNames(messages: readonly ChatMessage[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const message of messages) {
    for (const call of message.tool_calls ?? []) if (call.function !== undefined) names.set(call.id, call.function.name);
  }
  return names;
}

/** The function a `tool` message answers: its call's name, else the message's own `name`. */
export function answeredFunction(message: ChatMessage, names: ReadonlyMap<string, string>): string | undefined {
  return (message.tool_call_id === undefined ? undefined : names.get(message.tool_call_id)) ?? message.name;
}

/**
 * A tool call's `arguments` (a JSON string in OpenAI's format) as the object providers that
 * take an object want; an empty string is no arguments. Anything else is the client's error,
 * named by its path (`param`).
 */
export function argumentsObject(text: string, param: string): JsonObject {
  if (text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!isObject(parsed)) throw new GatewayError("invalid_request", `${param} must be a JSON object (this provider takes tool call arguments as an object)`, { param });
  return parsed;
}

/** A function call as a provider reports it: its name and its arguments (an object, or already JSON text). */
export interface FunctionCallParts {
  readonly name: string;
  readonly args: unknown;
}

/** Function calls as OpenAI's tool calls, numbered from `first` (ids `call_N`, unique within the answer). */
export function openAiToolCalls(calls: readonly FunctionCallParts[], first = 0): ToolCall[] {
  return calls.map((call, i) => ({
    id: `call_${first + i}`,
    type: "function",
    function: { name: call.name, arguments: typeof call.args === "string" ? call.args : JSON.stringify(call.args ?? {}) },
  }));
}

/**
 * A stream's tool calls, as OpenAI streams them: numbered across the whole stream (a provider may
 * send them in several chunks), each delta entry with its `index`.
 */
export class StreamedToolCalls {
  private count = 0;

  /** The delta entries for one chunk's calls. */
  delta(calls: readonly FunctionCallParts[]): Array<ToolCall & { index: number }> {
    const first = this.count;
    this.count += calls.length;
    return openAiToolCalls(calls, first).map((call, i) => ({ index: first + i, ...call }));
  }

  /** Whether the stream has called a tool (its finish reason is then `tool_calls`). */
  get any(): boolean {
    return this.count > 0;
  }
}
