/**
 * Models added at runtime (POST /model/new) live in pharos_models, their litellm_params
 * encrypted (credential-cipher.ts), and join the live deployment table of every instance:
 * at boot, then by a poll of the table every PHAROS_MODEL_SYNC_SECONDS (default 10 s), so a
 * model added or deleted through one instance is served (or dropped) by all within that time.
 *
 * At boot, a model whose credentials do not decrypt (wrong LITELLM_SALT_KEY) fails the boot
 * with a clear error; found later by the poll, it is logged and left out. Never is a
 * wrongly-decrypted credential sent upstream: GCM authenticates every value.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { resolveEnvRefs } from "../config/load.ts";
import type { LoadedConfig } from "../config/load.ts";
import { modelEntrySchema } from "../config/schema.ts";
import type { ModelEntry } from "../config/schema.ts";
import { buildDeployments } from "../router/deployments.ts";
import type { Deployment, DeploymentTable, TransportSource } from "../router/deployments.ts";
import { CredentialDecryptionError } from "./credential-cipher.ts";
import type { CredentialCipher } from "./credential-cipher.ts";
import type { DatabaseManager } from "./db-manager.ts";

export const DEFAULT_MODEL_SYNC_SECONDS = 10;

export interface StoredModel {
  readonly id: string;
  readonly entry: ModelEntry;
  readonly updatedAt: number;
}

/** Stored models that cannot be decrypted with the configured salt key. */
export class StoredModelsUnreadableError extends Error {
  constructor(ids: readonly string[], cause: string) {
    super(
      `LITELLM_SALT_KEY cannot decrypt the credentials of ${ids.length} model(s) stored in the database (${ids.join(", ")}): ${cause}. ` +
        "Start Pharos with the salt key that was set when they were added (or delete them with /model/delete).",
    );
    this.name = "StoredModelsUnreadableError";
  }
}

/** Bad input for /model/new: the problems, each naming its field. */
export class ModelEntryError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(problems.join("; "));
    this.name = "ModelEntryError";
    this.problems = problems;
  }
}

export interface StoredModelsOptions {
  readonly db: DatabaseManager;
  readonly cipher: CredentialCipher | undefined;
  readonly loaded: LoadedConfig;
  readonly table: DeploymentTable;
  readonly transports: TransportSource;
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  readonly syncMs: number;
  /** The model groups changed (metrics fold unknown groups). */
  readonly onTableChanged?: (table: DeploymentTable) => void;
}

interface MutableTable {
  all: Deployment[];
  byId: Map<string, Deployment>;
  groups: Map<string, Deployment[]>;
  groupNames: readonly string[];
}

export class StoredModels {
  private readonly options: StoredModelsOptions;
  private readonly table: MutableTable;
  /** Deployments this module added to the table, by model id. */
  private readonly live = new Map<string, { deployment: Deployment; updatedAt: number; entry: ModelEntry }>();
  private readonly unreadable = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;

  constructor(options: StoredModelsOptions) {
    this.options = options;
    this.table = options.table as unknown as MutableTable;
  }

  /** Whether a deployment came from the database (deletable) rather than the config file. */
  isStored(id: string): boolean {
    return this.live.has(id);
  }

  entryOf(id: string): ModelEntry | undefined {
    return this.live.get(id)?.entry;
  }

  /** Loads every stored model; throws StoredModelsUnreadableError on a wrong salt key (boot). */
  async load(): Promise<void> {
    await this.sync(true);
  }

  /** Polls for models added or deleted elsewhere. */
  start(): void {
    this.timer = setInterval(() => void this.sync(false).catch(() => undefined), this.options.syncMs);
    this.timer.unref();
    this.options.db.onConnected(() => void this.sync(false).catch(() => undefined));
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.syncing?.catch(() => undefined);
  }

  /** Validates, stores (encrypted) and serves a new model; returns its id. */
  async add(body: Record<string, unknown>): Promise<{ id: string; entry: ModelEntry }> {
    const cipher = this.options.cipher;
    if (cipher === undefined) throw new ModelEntryError(["set LITELLM_SALT_KEY (or a master key) so model credentials can be stored encrypted"]);
    const parsed = modelEntrySchema.safeParse(body);
    if (!parsed.success) {
      throw new ModelEntryError(parsed.error.issues.map((issue) => `'${issue.path.map(String).join(".") || "(body)"}': ${issue.code === "unrecognized_keys" ? `unknown field(s) ${issue.keys.join(", ")}` : issue.message}`));
    }
    const id = parsed.data.model_info?.id ?? randomUUID();
    if (this.options.table.byId.has(id)) throw new ModelEntryError([`'model_info.id': a deployment with id '${id}' already exists`]);
    const entry: ModelEntry = { ...parsed.data, model_info: { ...parsed.data.model_info, id } };
    this.build(entry); // reports bad params (unknown provider, missing api_base…) before storing
    const { model_info: info, litellm_params: params } = entry;
    await this.options.db.use((db) =>
      db.query("INSERT INTO pharos_models (model_id, model_name, litellm_params, model_info) VALUES ($1, $2, $3, $4)", [id, entry.model_name, cipher.encrypt(JSON.stringify(params), id), info ?? {}]),
        "models",
    );
    this.serve(id, entry, Date.now());
    return { id, entry };
  }

  /** Deletes a stored model; false when no stored model has this id. */
  async remove(id: string): Promise<boolean> {
    const { rowCount } = await this.options.db.use((db) => db.query("DELETE FROM pharos_models WHERE model_id = $1", [id]), "models");
    const served = this.live.has(id);
    this.unserve(id);
    return rowCount > 0 || served;
  }

  private sync(atBoot: boolean): Promise<void> {
    this.syncing ??= this.syncOnce(atBoot).finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  private async syncOnce(atBoot: boolean): Promise<void> {
    const { db, logger, cipher } = this.options;
    if (db.state !== "connected") return;
    const { rows } = await db.use((database) =>
      database.query<{ model_id: string; model_name: string; litellm_params: string; model_info: Record<string, unknown>; updated_at: Date }>(
        "SELECT model_id, model_name, litellm_params, model_info, updated_at FROM pharos_models ORDER BY created_at, model_id",
      ),
        "models",
    );
    const seen = new Set<string>();
    const failed: string[] = [];
    let failure = "";
    for (const row of rows) {
      const id = row.model_id;
      seen.add(id);
      const updatedAt = new Date(row.updated_at).getTime();
      if (this.live.get(id)?.updatedAt === updatedAt || this.unreadable.has(id)) continue;
      if (!this.live.has(id) && this.options.table.byId.has(id)) {
        logger.warn(`stored model '${id}' has the id of a deployment in the config file; the config's deployment is kept`);
        continue;
      }
      try {
        if (cipher === undefined) throw new CredentialDecryptionError("stored model credentials: neither LITELLM_SALT_KEY nor a master key is set");
        const params = JSON.parse(cipher.decrypt(row.litellm_params, id)) as Record<string, unknown>;
        const parsed = modelEntrySchema.parse({ model_name: row.model_name, litellm_params: params, model_info: { ...row.model_info, id } });
        this.unserve(id);
        this.serve(id, parsed, updatedAt);
      } catch (error) {
        if (error instanceof CredentialDecryptionError) {
          failed.push(id);
          failure = cipher === undefined ? "neither LITELLM_SALT_KEY nor a master key is set" : "it is not the key they were encrypted with (or the stored values were altered)";
          this.unreadable.add(id);
        } else {
          logger.error({ err: error instanceof Error ? error.message : String(error), model: id }, "a stored model cannot be served");
        }
      }
    }
    for (const id of [...this.live.keys()]) if (!seen.has(id)) this.unserve(id);
    if (failed.length > 0) {
      const error = new StoredModelsUnreadableError(failed, failure);
      if (atBoot) throw error;
      logger.error(error.message);
    }
  }

  private build(entry: ModelEntry): Deployment {
    const problems: string[] = [];
    const resolved = resolveEnvRefs(entry, this.options.env, problems) as ModelEntry;
    const config = { ...this.options.loaded.config, model_list: [resolved] };
    const built = buildDeployments(config, this.options.env, this.options.transports);
    const all = [...problems, ...built.problems.map((problem) => problem.replace(/^model_list\[0\]\./, ""))];
    if (all.length > 0 || built.table.all[0] === undefined) throw new ModelEntryError(all.length > 0 ? all : ["the model cannot be served"]);
    return built.table.all[0];
  }

  private serve(id: string, entry: ModelEntry, updatedAt: number): void {
    const deployment = this.build(entry);
    const table = this.table;
    table.all.push(deployment);
    table.byId.set(id, deployment);
    const group = table.groups.get(deployment.group);
    if (group === undefined) table.groups.set(deployment.group, [deployment]);
    else group.push(deployment);
    table.groupNames = [...table.groups.keys()].sort();
    this.live.set(id, { deployment, updatedAt, entry });
    this.options.onTableChanged?.(this.options.table);
  }

  private unserve(id: string): void {
    const current = this.live.get(id);
    if (current === undefined) return;
    const table = this.table;
    const { deployment } = current;
    const index = table.all.indexOf(deployment);
    if (index >= 0) table.all.splice(index, 1);
    table.byId.delete(id);
    const group = table.groups.get(deployment.group);
    if (group !== undefined) {
      const at = group.indexOf(deployment);
      if (at >= 0) group.splice(at, 1);
      if (group.length === 0) table.groups.delete(deployment.group);
    }
    table.groupNames = [...table.groups.keys()].sort();
    this.live.delete(id);
    this.options.onTableChanged?.(this.options.table);
  }
}
