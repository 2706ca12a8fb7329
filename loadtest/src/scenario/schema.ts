/**
 * The scenario file format (YAML, or a TypeScript/JavaScript module whose default export is the
 * same object): what a locustfile says, as data. See docs/loadtest.md for an example.
 */
import { z } from "zod";

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] as const;

const headers = z.record(z.string().min(1), z.string());

const task = z
  .object({
    /** The stats Name (Locust's `name=`); defaults to the path. */
    name: z.string().min(1).optional(),
    weight: z.number().int().positive().default(1),
    method: z.enum(METHODS),
    path: z.string().startsWith("/", { message: 'must start with "/"' }),
    headers: headers.optional(),
    /** JSON body template (see body-template.ts). */
    body: z.unknown().optional(),
  })
  .strict();

const userClass = z
  .object({
    name: z.string().min(1),
    weight: z.number().int().positive().default(1),
    /** `between(MIN, MAX)`, `constant(S)`, `constant_throughput(N)` or `constant_pacing(S)`; default `constant(0)`. */
    wait_time: z.string().default("constant(0)"),
    headers: headers.optional(),
    tasks: z.array(task).min(1, { message: "needs at least one task" }),
  })
  .strict();

const headerMetric = z
  .object({
    /** The Locust entry name, e.g. "LiteLLM Overhead Duration (ms)". */
    name: z.string().min(1),
    /** Response header holding a number of milliseconds. */
    header: z.string().min(1),
    /** The Locust Type column (request_type); "Custom" as LiteLLM's locustfile uses. */
    type: z.string().min(1).default("Custom"),
  })
  .strict();

export const scenarioSchema = z
  .object({
    name: z.string().min(1).optional(),
    description: z.string().optional(),
    /** Default target when -H/--host is not given. */
    host: z.string().min(1).optional(),
    users: z.array(userClass).min(1, { message: "needs at least one user class" }),
    metrics: z.array(headerMetric).default([]),
  })
  .strict();

/** What a scenario file holds (defaults optional). TypeScript scenarios: `export default {...} satisfies ScenarioInput`. */
export type ScenarioInput = z.input<typeof scenarioSchema>;
export type ScenarioFile = z.output<typeof scenarioSchema>;
