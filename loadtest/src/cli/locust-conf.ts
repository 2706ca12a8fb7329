/**
 * Locust's config file format (configargparse's default parser), as used in locust.conf:
 * `key = value`, `key: value` or `key value` lines, a bare `key` meaning true, `#`/`;` comments,
 * `[section]` headers ignored, `[a, b]` lists, optional quotes around the value.
 */
import { UsageError } from "./usage-error.ts";

export interface ConfEntry {
  /** Normalised to the long flag name (`spawn_rate` → `spawn-rate`). */
  readonly key: string;
  readonly values: readonly string[];
  readonly line: number;
}

function unquote(value: string): string {
  const first = value[0];
  return value.length >= 2 && (first === '"' || first === "'") && value.endsWith(first) ? value.slice(1, -1) : value;
}

function valuesOf(raw: string): string[] {
  const value = raw.trim();
  if (value.startsWith("[") && value.endsWith("]")) {
    return value
      .slice(1, -1)
      .split(",")
      .map((item) => unquote(item.trim()))
      .filter((item) => item !== "");
  }
  return [unquote(value)];
}

export function parseLocustConf(text: string, file: string): ConfEntry[] {
  const entries: ConfEntry[] = [];
  for (const [index, rawLine] of text.split(/\r?\n/).entries()) {
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";") || /^\[.*\]$/.test(line)) continue;
    const match = /^([A-Za-z0-9_-]+)\s*(?:[:=]\s*|\s+|$)(.*)$/.exec(line);
    if (match === null) throw new UsageError(`${file}:${index + 1}: cannot read ${JSON.stringify(line)} (expected key = value)`);
    const key = (match[1] ?? "").replaceAll("_", "-");
    const rest = match[2] ?? "";
    entries.push({ key, values: rest.trim() === "" ? ["true"] : valuesOf(rest), line: index + 1 });
  }
  return entries;
}
