/** `pharos check-config FILE`: exit 0 when the config loads, else list every problem by path. */
import { loadConfigFile } from "../config/load.ts";
import { buildTable, createTransports } from "../router/deployment-table.ts";

export interface CheckResult {
  readonly ok: boolean;
  readonly lines: string[];
}

export async function checkConfig(file: string, env: NodeJS.ProcessEnv = process.env): Promise<CheckResult> {
  const loaded = loadConfigFile(file, env);
  const transports = createTransports();
  try {
    const { table, warnings } = buildTable(loaded, transports, env);
    const lines = [`${file}: OK — ${table.groupNames.length} model group(s), ${table.all.length} deployment(s)`];
    for (const warning of [...loaded.warnings, ...warnings]) lines.push(`  warning: ${warning}`);
    return { ok: true, lines };
  } finally {
    await transports.close();
  }
}
