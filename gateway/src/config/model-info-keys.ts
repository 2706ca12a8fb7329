/**
 * model_info is free-form metadata in LiteLLM, so a key Pharos does not read is kept, not refused,
 * but warned about once, with the known key it most likely meant: `input_cost_per_tokn` would
 * otherwise price a deployment at 0 without a word.
 */
import { nearestKey } from "./nearest-key.ts";
import { modelInfoSchema } from "./schema.ts";

const KNOWN_KEYS: readonly string[] = Object.keys(modelInfoSchema.shape);

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** One warning per model_info key Pharos does not read, from the config as written (before the schema). */
export function modelInfoKeyWarnings(data: unknown): string[] {
  const list = isRecord(data) ? data["model_list"] : undefined;
  if (!Array.isArray(list)) return [];
  const warnings: string[] = [];
  list.forEach((entry: unknown, index) => {
    const info = isRecord(entry) ? entry["model_info"] : undefined;
    if (!isRecord(info)) return;
    for (const key of Object.keys(info)) {
      if (KNOWN_KEYS.includes(key)) continue;
      const suggestion = nearestKey(key, KNOWN_KEYS);
      warnings.push(`model_list[${index}].model_info.${key}: unknown key, kept as metadata (${suggestion === undefined ? "Pharos does not read it" : `did you mean "${suggestion}"?`})`);
    }
  });
  return warnings;
}
