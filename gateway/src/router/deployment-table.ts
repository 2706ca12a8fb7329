/**
 * The deployment table with its transports, as every command that reads a config builds it
 * (serve, check-config): undici pools per api_base origin, one in-process mock for `fake/`
 * models, and every deployment problem reported at once as a ConfigError.
 */
import { ConfigError } from "../config/load.ts";
import type { LoadedConfig } from "../config/load.ts";
import { MockUpstream } from "../mock/mock-upstream.ts";
import { InProcessTransport } from "../providers/in-process-transport.ts";
import { HttpTransports } from "../providers/transport.ts";
import type { PoolStats } from "../providers/transport.ts";
import { buildDeployments } from "./deployments.ts";
import type { DeploymentTable, TransportSource } from "./deployments.ts";

export type Transports = TransportSource & { close(): Promise<void>; stats(): PoolStats[] };

/** Transports for a config: undici pools per origin, in-process mocks for `fake/` models and `mock_response` (one per reply text). */
export function createTransports(): Transports {
  const http = new HttpTransports();
  const inProcess = new Map<string | undefined, InProcessTransport>();
  return {
    http: (origin) => http.forOrigin(origin),
    stats: () => http.all().map((transport) => transport.stats()),
    inProcess: (reply) => {
      let transport = inProcess.get(reply);
      if (transport === undefined) inProcess.set(reply, (transport = new InProcessTransport(new MockUpstream(reply === undefined ? {} : { reply }))));
      return transport;
    },
    close: () => http.close(),
  };
}

/** The deployment table, or a ConfigError listing every deployment problem. */
export function buildTable(loaded: LoadedConfig, transports: TransportSource, env: NodeJS.ProcessEnv): { table: DeploymentTable; warnings: string[] } {
  const built = buildDeployments(loaded.config, env, transports);
  if (built.problems.length > 0) throw new ConfigError(loaded.source, built.problems);
  return { table: built.table, warnings: built.warnings };
}
