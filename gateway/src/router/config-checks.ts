/**
 * The config checks that need the router's knowledge: providers and their api_base, deployment
 * ids (buildDeployments), litellm_settings' fallback targets (routing-policy.ts). `serve` meets
 * them as it builds; check-config runs them here, and both run them on what parsed of a config
 * the schema refused (config/salvage.ts), so one run lists every problem.
 */
import { ConfigError, loadConfigFile } from "../config/load.ts";
import type { LoadedConfig } from "../config/load.ts";
import { problemsOutside } from "../config/salvage.ts";
import type { RawConfig } from "../config/schema.ts";
import { createTransports } from "./deployment-table.ts";
import { buildDeployments } from "./deployments.ts";
import { unknownFallbackTargets } from "./routing-policy.ts";

export interface RouterChecks {
  readonly problems: readonly string[];
  readonly warnings: readonly string[];
  readonly groups: number;
  readonly deployments: number;
}

export async function routerChecks(config: RawConfig, env: NodeJS.ProcessEnv): Promise<RouterChecks> {
  const transports = createTransports();
  try {
    const built = buildDeployments(config, env, transports);
    return {
      problems: [...built.problems, ...unknownFallbackTargets(config)],
      warnings: built.warnings,
      groups: built.table.groupNames.length,
      deployments: built.table.all.length,
    };
  } finally {
    await transports.close();
  }
}

/** loadConfigFile, whose ConfigError lists the router's problems with what parsed too. */
export async function loadConfigChecked(path: string, env: NodeJS.ProcessEnv): Promise<LoadedConfig> {
  try {
    return loadConfigFile(path, env);
  } catch (error) {
    if (!(error instanceof ConfigError) || error.partial === undefined) throw error;
    const later = await routerChecks(error.partial.config, env);
    const problems = [...error.problems, ...problemsOutside(error.partial.removed, later.problems)];
    throw new ConfigError(error.source, problems, { warnings: [...error.warnings, ...later.warnings], partial: error.partial });
  }
}
