/** What one finished request contributes to the statistics. */
import type { StreamTiming } from "../http/stream-meter.ts";

export interface RequestOutcome {
  readonly method: string;
  /** Locust's Name column. */
  readonly name: string;
  /** Send → last body byte (Locust's response time: the whole body is read). */
  readonly responseTimeMs: number;
  readonly contentLength: number;
  /** Locust's error text; undefined when the request succeeded. */
  readonly error: string | undefined;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly stream: StreamTiming | undefined;
  /** Open model: intended send time → last body byte (includes any lateness of the send). */
  readonly intendedLatencyMs: number | undefined;
}
