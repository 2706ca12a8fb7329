/** The official `openai` client pointed at a gateway, with its own retries off (tests count attempts). */
import OpenAI from "openai";

export function openaiClient(baseUrl: string, apiKey = "sk-test-master-key", options: { timeoutMs?: number } = {}): OpenAI {
  return new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey, maxRetries: 0, timeout: options.timeoutMs ?? 20_000 });
}
