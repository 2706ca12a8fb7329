/**
 * What a mock route answers, independent of how it is delivered (a real HTTP response, or the
 * in-process transport of `fake/` models).
 */
import type { MockToolCall } from "./faults.ts";

export type MockReply =
  | { readonly kind: "body"; readonly status: number; readonly headers: Record<string, string>; readonly text: string }
  | {
      readonly kind: "stream";
      readonly status: number;
      readonly headers: Record<string, string>;
      readonly frames: readonly string[];
      readonly frameDelayMs: number;
      /** Destroy the connection after this many frames. */
      readonly breakAfter?: number;
    }
  | { readonly kind: "hang" }
  | { readonly kind: "reset" };

export interface MockCall {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: unknown;
}

/** Everything a wire format needs to answer one call. */
export interface WireContext {
  readonly call: MockCall;
  /** Route parameters (e.g. the Gemini model in the path). */
  readonly params: Record<string, string>;
  readonly reply: string | undefined;
  /** Chat: function calls to answer with instead of text. */
  readonly toolCalls: readonly MockToolCall[] | undefined;
  readonly frameDelayMs: number;
  /** Stream: chunks to send before an in-band error (undefined = no error). */
  readonly errorAfterChunks: number | undefined;
}

/** The per-format pieces the mock needs: routes and how that provider writes an error. */
export interface WireFormat {
  readonly name: string;
  readonly routes: readonly MockRoute[];
  errorBody(status: number, message: string, code: string | undefined): string;
}

export interface MockRoute {
  readonly method: "GET" | "POST";
  /** Matched against the path; named groups become params. */
  readonly pattern: RegExp;
  readonly name: string;
  answer(context: WireContext): MockReply;
}

export const JSON_TYPE = { "content-type": "application/json" } as const;
export const SSE_TYPE = { "content-type": "text/event-stream", "cache-control": "no-cache" } as const;
export const NDJSON_TYPE = { "content-type": "application/x-ndjson" } as const;

export function jsonReply(body: unknown, status = 200): MockReply {
  return { kind: "body", status, headers: JSON_TYPE, text: JSON.stringify(body) };
}
