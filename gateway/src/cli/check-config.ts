/**
 * `pharos check-config FILE`: exit 0 when the config loads, else every problem by config path in
 * one run (the schema's, and those of the checks after it, on what parsed), warnings included.
 */
import { ConfigError } from "../config/load.ts";
import type { LoadedConfig } from "../config/load.ts";
import { loadConfigChecked, routerChecks } from "../router/config-checks.ts";
import { describeFailure } from "./failure.ts";

export interface CheckResult {
  readonly ok: boolean;
  /** For stdout when ok, stderr when not. */
  readonly lines: string[];
}

export async function checkConfig(file: string, env: NodeJS.ProcessEnv = process.env): Promise<CheckResult> {
  let loaded: LoadedConfig;
  try {
    loaded = await loadConfigChecked(file, env);
  } catch (error) {
    if (error instanceof ConfigError) return failed(error);
    throw error;
  }
  const checks = await routerChecks(loaded.config, env);
  const warnings = [...loaded.warnings, ...checks.warnings];
  if (checks.problems.length > 0) return failed(new ConfigError(file, checks.problems, { warnings }));
  return { ok: true, lines: [`${file}: OK — ${checks.groups} model group(s), ${checks.deployments} deployment(s)`, ...warningLines(warnings)] };
}

function failed(error: ConfigError): CheckResult {
  return { ok: false, lines: [describeFailure(error).text, ...warningLines(error.warnings)] };
}

function warningLines(warnings: readonly string[]): string[] {
  return warnings.map((warning) => `  warning: ${warning}`);
}
