/** The two ways of generating load; both feed the same RunRecorder. */

export interface LoadModel {
  /** Starts generating load now. */
  start(): void;
  /** Locust's User Count: running users (closed) or requests in flight (open). */
  readonly userCount: number;
  /** Stops generating; in-flight requests get `stopTimeoutMs` to finish, then are cut off. */
  stop(stopTimeoutMs: number): Promise<void>;
  /** Requests cut off at the end of the run (not recorded, like Locust). */
  readonly interrupted: number;
}
