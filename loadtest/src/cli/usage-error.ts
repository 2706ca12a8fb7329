/** A mistake in how the harness was invoked (flags, config file, environment, scenario): exit code 2. */
export class UsageError extends Error {}

export const EXIT_USAGE = 2;
/** k6's exit code for failed thresholds. */
export const EXIT_THRESHOLDS = 99;
