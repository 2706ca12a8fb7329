/**
 * The texts guardrails read, taken from request and response bodies as segments (one per message
 * text or per choice) that can be written back, and joined into one text per scan so each
 * scanner makes one pass. Redactions found in the joined text are mapped back to the segments.
 */
import type { ChatMessage, ChatRequest, CompletionRequest, ContentPart, Operation, RequestBody } from "../providers/openai-types.ts";
import type { RedactSpan } from "./scanner.ts";

export interface Segment {
  readonly text: string;
  /** The message role (input) or "assistant" (output). */
  readonly role: string;
  write(value: string): void;
}

/** The operator's own messages: not scanned by "conversation" scanners. */
export const OPERATOR_ROLES: ReadonlySet<string> = new Set(["system", "developer"]);

const SEPARATOR = "\n";

function messageSegments(message: ChatMessage, out: Segment[]): void {
  const role = typeof message.role === "string" ? message.role : "user";
  const content = message.content;
  if (typeof content === "string") {
    if (content !== "") out.push({ text: content, role, write: (value) => (message.content = value) });
    return;
  }
  if (!Array.isArray(content)) return;
  for (const part of content as ContentPart[]) {
    if (typeof part.text === "string" && part.text !== "") out.push({ text: part.text, role, write: (value) => (part.text = value) });
  }
}

/** The texts of a chat or completion request (embeddings are not scanned: undefined). */
export function inputSegments(op: Operation, body: RequestBody): Segment[] | undefined {
  const out: Segment[] = [];
  if (op === "chat") {
    for (const message of (body as ChatRequest).messages) if (message !== null && typeof message === "object") messageSegments(message, out);
    return out;
  }
  if (op === "text_completion") {
    const request = body as CompletionRequest;
    if (typeof request.prompt === "string") out.push({ text: request.prompt, role: "user", write: (value) => (request.prompt = value) });
    else if (Array.isArray(request.prompt)) {
      const prompts = request.prompt;
      prompts.forEach((prompt, index) => {
        if (typeof prompt === "string") out.push({ text: prompt, role: "user", write: (value) => (prompts[index] = value) });
      });
    }
    return out;
  }
  return undefined;
}

/** The texts of a chat completion or text completion response. */
export function outputSegments(body: unknown): Segment[] {
  const out: Segment[] = [];
  const choices = (body as { choices?: unknown }).choices;
  if (!Array.isArray(choices)) return out;
  for (const choice of choices as Array<Record<string, unknown>>) {
    if (choice === null || typeof choice !== "object") continue;
    const message = choice["message"] as { content?: unknown } | undefined;
    if (message !== undefined && message !== null && typeof message.content === "string") {
      out.push({ text: message.content, role: "assistant", write: (value) => (message.content = value) });
    } else if (typeof choice["text"] === "string") {
      out.push({ text: choice["text"], role: "assistant", write: (value) => (choice["text"] = value) });
    }
  }
  return out;
}

/** Segments joined by newlines, with each segment's offset in the joined text. */
export class JoinedSegments {
  readonly segments: readonly Segment[];
  readonly text: string;
  private readonly offsets: number[];

  constructor(segments: readonly Segment[]) {
    this.segments = segments;
    this.offsets = [];
    let text = "";
    for (const segment of segments) {
      if (this.offsets.length > 0) text += SEPARATOR;
      this.offsets.push(text.length);
      text += segment.text;
    }
    this.text = text;
  }

  /** Turns spans of the joined text into edits of each segment (clipped to it). */
  editsOf(spans: readonly RedactSpan[], edits: Map<Segment, RedactSpan[]>): void {
    for (const span of spans) {
      this.segments.forEach((segment, index) => {
        const offset = this.offsets[index]!;
        const start = Math.max(span.start, offset);
        const end = Math.min(span.end, offset + segment.text.length);
        if (start >= end) return;
        const list = edits.get(segment) ?? [];
        list.push({ start: start - offset, end: end - offset, replacement: span.replacement });
        edits.set(segment, list);
      });
    }
  }
}

/** Applies edits to a text: later edits first; an edit overlapping an applied one is dropped. */
export function applyEdits(text: string, edits: readonly RedactSpan[]): string {
  const sorted = [...edits].sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  let limit = Infinity;
  for (const edit of sorted) {
    if (edit.end > limit) continue;
    out = out.slice(0, edit.start) + edit.replacement + out.slice(edit.end);
    limit = edit.start;
  }
  return out;
}

export function writeEdits(edits: ReadonlyMap<Segment, readonly RedactSpan[]>): void {
  for (const [segment, list] of edits) segment.write(applyEdits(segment.text, list));
}
