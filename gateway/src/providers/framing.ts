/**
 * Splits an upstream byte stream into payloads: the `data:` of each server-sent event, or
 * each line of newline-delimited JSON. Adapters decode the payloads; they never see framing.
 */
import { createParser } from "eventsource-parser";

export interface FrameSplitter {
  /** Feeds text; returns the payloads it completed. */
  push(text: string): string[];
  /** The stream ended; returns the payload still buffered, if any. */
  end(): string[];
}

/** Server-sent events: one payload per event's `data` (multi-line data joined by \n). */
export function sseSplitter(): FrameSplitter {
  let out: string[] = [];
  const parser = createParser({ onEvent: (event) => out.push(event.data) });
  const drain = (): string[] => {
    const done = out;
    out = [];
    return done;
  };
  return {
    push(text) {
      parser.feed(text);
      return drain();
    },
    end() {
      parser.reset({ consume: true });
      return drain();
    },
  };
}

/** Newline-delimited JSON (Ollama): one payload per non-empty line. */
export function ndjsonSplitter(): FrameSplitter {
  let buffer = "";
  return {
    push(text) {
      buffer += text;
      const lastNewline = buffer.lastIndexOf("\n");
      if (lastNewline === -1) return [];
      const complete = buffer.slice(0, lastNewline);
      buffer = buffer.slice(lastNewline + 1);
      return complete.split("\n").filter((line) => line.trim() !== "");
    },
    end() {
      const rest = buffer.trim();
      buffer = "";
      return rest === "" ? [] : [rest];
    },
  };
}

export function splitterFor(framing: "sse" | "ndjson"): FrameSplitter {
  return framing === "sse" ? sseSplitter() : ndjsonSplitter();
}
