/**
 * One task execution, shared by both load models: render the body, send, classify the outcome
 * as Locust would (4xx/5xx and network errors are failures; a stream that reports an error is
 * one too) and record it. Requests cut off by the end of the run are not recorded (Locust
 * drops them too); template errors go to the exceptions log.
 */
import type { HttpClient } from "../http/http-client.ts";
import { httpErrorText, isHttpError, networkErrorText, streamErrorText } from "../http/request-error.ts";
import type { RenderedBody } from "../scenario/body-template.ts";
import type { Random } from "../scenario/random.ts";
import type { Task } from "../scenario/scenario.ts";
import type { RunRecorder } from "./run-recorder.ts";

export interface TaskContext {
  readonly client: HttpClient;
  readonly recorder: RunRecorder;
  readonly random: Random;
  /** The user number (closed model) or 0 (open model). */
  readonly user: number;
  nextSequence(): number;
}

export type TaskResult = "recorded" | "interrupted" | "exception";

function failureOf(status: number, url: string, streamError: string | undefined): string | undefined {
  if (isHttpError(status)) return httpErrorText(status, url);
  return streamError === undefined ? undefined : streamErrorText(streamError);
}

/** `intendedAt`: the open model's scheduled send time (performance.now() ms). */
export async function runTask(task: Task, context: TaskContext, signal: AbortSignal, intendedAt?: number): Promise<TaskResult> {
  let body: RenderedBody | undefined;
  try {
    body = task.body?.render({ random: context.random, user: context.user, sequence: context.nextSequence() });
  } catch (error) {
    context.recorder.exceptions.record(error);
    return "exception";
  }
  const url = context.client.urlOf(task.path);
  const startedAt = performance.now();
  const base = { method: task.method, name: task.name };
  try {
    const response = await context.client.send({ method: task.method, path: task.path, headers: task.headers, body: body?.text, stream: body?.stream ?? false }, signal);
    context.recorder.record({
      ...base,
      responseTimeMs: response.durationMs,
      contentLength: response.bytes,
      error: failureOf(response.status, url, response.stream?.error),
      headers: response.headers,
      stream: response.stream,
      intendedLatencyMs: intendedAt === undefined ? undefined : response.sentAt + response.durationMs - intendedAt,
    });
  } catch (error) {
    if (signal.aborted) return "interrupted";
    const endedAt = performance.now();
    context.recorder.record({
      ...base,
      responseTimeMs: endedAt - startedAt,
      contentLength: 0,
      error: networkErrorText(error),
      headers: {},
      stream: undefined,
      intendedLatencyMs: intendedAt === undefined ? undefined : endedAt - intendedAt,
    });
  }
  return "recorded";
}
