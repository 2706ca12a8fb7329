/**
 * What the pipeline calls into as a request runs. Both parts are optional: an absent feature
 * costs the pipeline one branch. (Kept apart from the SDK boot so the pipeline imports no SDK.)
 */
import type { ErrorCode } from "../errors.ts";
import type { Operation } from "../providers/openai-types.ts";
import type { Deployment } from "../router/deployments.ts";
import type { RequestTracer } from "./tracing.ts";

export interface PipelineTelemetry {
  /** Starts request traces; undefined when tracing is off. */
  readonly tracer: RequestTracer | undefined;
  /** An upstream attempt ended; `ms` from sending to its last byte; `error` undefined on success. */
  readonly attemptEnded: ((op: Operation, deployment: Deployment, ms: number, error: ErrorCode | undefined) => void) | undefined;
  /** drop_params left these request fields out of a deployment's request. */
  readonly paramsDropped: ((deployment: Deployment, params: readonly string[]) => void) | undefined;
}

export const NO_PIPELINE_TELEMETRY: PipelineTelemetry = { tracer: undefined, attemptEnded: undefined, paramsDropped: undefined };
