/** A scenario ready to run: env references resolved, wait times parsed, bodies compiled. */
import type { BodyTemplate } from "./body-template.ts";
import type { WaitTime } from "./wait-time.ts";

export interface Task {
  /** Locust's Name column. */
  readonly name: string;
  readonly weight: number;
  readonly method: string;
  readonly path: string;
  /** Class headers merged with the task's (task wins), names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: BodyTemplate | undefined;
}

export interface UserClass {
  readonly name: string;
  readonly weight: number;
  readonly waitTime: WaitTime;
  /** The wait_time as written, for reports. */
  readonly waitTimeText: string;
  readonly tasks: readonly Task[];
}

export interface HeaderMetric {
  readonly name: string;
  /** Lower-cased header name. */
  readonly header: string;
  readonly type: string;
}

export interface Scenario {
  readonly name: string;
  readonly description: string | undefined;
  /** Where it came from: "built-in litellm-benchmark" or a file path. */
  readonly source: string;
  readonly host: string | undefined;
  readonly userClasses: readonly UserClass[];
  readonly metrics: readonly HeaderMetric[];
}
