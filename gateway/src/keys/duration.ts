/**
 * Durations as LiteLLM writes them (`duration`, `budget_duration`, retention periods):
 * "30s", "10m", "24h", "7d", "2w", "1mo" (30 days), or a bare number of seconds.
 */

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, mo: 2_592_000 };

const PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w|mo)?\s*$/;

/** Seconds, or undefined when `value` is not a duration (or not positive). */
export function durationSeconds(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value > 0 ? value : undefined;
  const match = PATTERN.exec(value);
  if (match === null) return undefined;
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2] ?? "s"]!;
  return seconds > 0 ? seconds : undefined;
}

export const DURATION_HINT = 'a duration such as "30s", "10m", "24h", "7d", "2w" or "1mo"';
