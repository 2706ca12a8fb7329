/**
 * The router: picks a deployment of a model group with the configured strategy and runs the
 * attempt on it. Retries, cooldowns and fallbacks hang off this one entry point.
 */
import type { RouterSettings } from "../config/schema.ts";
import { GatewayError } from "../errors.ts";
import type { Deployment, DeploymentTable } from "./deployments.ts";
import { simpleShuffle } from "./strategies/simple-shuffle.ts";

export interface RouteOutcome<T> {
  readonly value: T;
  readonly deployment: Deployment;
  readonly attemptedRetries: number;
  readonly attemptedFallbacks: number;
}

/** Runs one attempt on one deployment; throws GatewayError on failure. */
export type Attempt<T> = (deployment: Deployment) => Promise<T>;

export interface RouterOptions {
  readonly table: DeploymentTable;
  readonly settings: RouterSettings;
  readonly random?: () => number;
}

export class Router {
  private readonly table: DeploymentTable;
  private readonly random: () => number;

  constructor(options: RouterOptions) {
    this.table = options.table;
    this.random = options.random ?? Math.random;
  }

  /**
   * Routes one request to `group`. `filter` keeps the deployments able to serve it.
   */
  async route<T>(group: string, filter: (deployment: Deployment) => boolean, attempt: Attempt<T>): Promise<RouteOutcome<T>> {
    const candidates = (this.table.groups.get(group) ?? []).filter(filter);
    const deployment = simpleShuffle(candidates, this.random);
    if (deployment === undefined) throw new GatewayError("no_healthy_deployment", `No deployment of model group "${group}" can take this request`);
    const value = await attempt(deployment);
    return { value, deployment, attemptedRetries: 0, attemptedFallbacks: 0 };
  }
}
