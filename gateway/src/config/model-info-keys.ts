/**
 * model_info is free-form metadata in LiteLLM, so a key Pharos does not read is kept, not refused,
 * but warned about once, with the known key it most likely meant: `input_cost_per_tokn` would
 * otherwise price a deployment at 0 without a word.
 */
import { isObject } from "../providers/json.ts";
import { nearestKey } from "./nearest-key.ts";
import { modelInfoSchema } from "./schema.ts";

const KNOWN_KEYS: readonly string[] = Object.keys(modelInfoSchema.shape);

/** One warning per model_info key Pharos does not read, from the config as written (before the schema). */
export function modelInfoKeyWarnings(data: unknown): string[] {
  const list = isObject(data) ? data["model_list"] : undefined;
  if (!Array.isArray(list)) return [];
  const warnings: string[] = [];
  list.forEach((entry: unknown, index) => {
    const info = isObject(entry) ? entry["model_info"] : undefined;
    if (!isObject(info)) return;
    for (const key of Object.keys(info)) {
      if (KNOWN_KEYS.includes(key)) continue;
      const suggestion = nearestKey(key, KNOWN_KEYS);
      warnings.push(`model_list[${index}].model_info.${key}: unknown key, kept as metadata (${suggestion === undefined ? "Pharos does not read it" : `did you mean "${suggestion}"?`})`);
    }
  });
  return warnings;
}
