/** Durations on the command line. */

/** Locust's `parse_timespan`: `20`, `20s`, `3m`, `2h`, `1h20m`, `3h30m10s` → whole seconds. */
export function parseTimespan(text: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (text === "" || match === null || match.slice(1).every((part) => part === undefined)) {
    throw new Error("Invalid time span format. Valid formats: 20, 20s, 3m, 2h, 1h20m, 3h30m10s, etc.");
  }
  const [hours = "0", minutes = "0", seconds = "0"] = match.slice(1).map((part) => part ?? "0");
  return Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds);
}

/** Our own duration flags also take milliseconds and fractions: `250ms`, `1.5s`, `2m`, or Locust forms. */
export function parseDurationSeconds(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text);
  if (match === null) return parseTimespan(text);
  const value = Number(match[1]);
  if (match[2] === "ms") return value / 1000;
  return match[2] === "m" ? value * 60 : value;
}
