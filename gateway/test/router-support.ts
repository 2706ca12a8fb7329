/**
 * Helpers shared by the router end-to-end tests: deployments on mock upstreams, chat calls
 * that return status, headers and body, SSE streams as frames, hit counts.
 */
import type { MockUpstream } from "../src/mock/mock-upstream.ts";

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

/** A model_list entry: OpenAI-compatible deployment `id` of `group` on `mock`, upstream model `<id>-model`. */
export function deployment(group: string, id: string, mock: MockUpstream, params: Record<string, unknown> = {}): Record<string, unknown> {
  return { model_name: group, litellm_params: { model: `openai/${id}-model`, api_base: `${mock.url}/v1`, ...params }, model_info: { id } };
}

const MESSAGES = [{ role: "user", content: "hello" }];

export async function chat(url: string, model: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ model, messages: MESSAGES, ...extra }),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body };
}

export async function streamChat(url: string, model: string): Promise<{ status: number; headers: Headers; frames: string[] }> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, messages: MESSAGES, stream: true }),
  });
  const text = await response.text();
  const frames = text
    .split("\n\n")
    .filter((frame) => frame.trim() !== "")
    .map((frame) => frame.replace(/^data: /, ""));
  return { status: response.status, headers: response.headers, frames };
}

/** Chat requests a mock answered (or failed). */
export function chatHits(mock: MockUpstream): number {
  return mock.stats().hits["openai chat"] ?? 0;
}

/** Waits, if needed, so a test that counts per-minute usage does not straddle a minute boundary. */
export async function awayFromMinuteEdge(needSeconds: number): Promise<void> {
  const intoMinute = (Date.now() % 60_000) / 1000;
  if (intoMinute + needSeconds > 58) await new Promise((resolve) => setTimeout(resolve, (60.5 - intoMinute) * 1000));
}

/** Router tests need no database: skipping the embedded one makes each gateway boot much lighter. */
export const NO_DB: Readonly<Record<string, string>> = { PHAROS_DATA_DIR: "off" };
