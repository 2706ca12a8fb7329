/**
 * Reads docker-compose.yml and maps the compose stack onto local processes: compose's
 * `${VAR:-default}` interpolation, each service's mounts (bind mounts back to the repository,
 * named volumes and tmpfs into the stack's run directory) and service addresses
 * (`gateway:4000` → `127.0.0.1:14000`). Config files written for the containers (Prometheus,
 * Alertmanager, Grafana provisioning) are translated with it, so they exist only once.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, join, posix, resolve } from "node:path";
import { parse } from "yaml";

export type Env = Readonly<Record<string, string | undefined>>;

/** compose's interpolation: $$, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}. */
export function interpolate(text: string, env: Env): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (match, name?: string, colon?: string, op?: string, arg?: string, bare?: string) => {
    if (match === "$$") return "$";
    const key = name ?? bare ?? "";
    const value = env[key];
    const missing = value === undefined || (colon === ":" && value === "");
    if (op === "-") return missing ? (arg ?? "") : value!;
    if (op === "?") {
      if (missing) throw new Error(`compose variable ${key}: ${arg === "" ? "required" : arg}`);
      return value!;
    }
    return value ?? "";
  });
}

function interpolateDeep(value: unknown, env: Env): unknown {
  if (typeof value === "string") return interpolate(value, env);
  if (Array.isArray(value)) return value.map((item) => interpolateDeep(item, env));
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolateDeep(item, env)]));
  return value;
}

export interface ComposeService {
  readonly image?: string;
  readonly command?: string | string[];
  readonly environment?: Record<string, string | number | null> | string[];
  readonly volumes?: (string | { type?: string; source?: string; target?: string; read_only?: boolean })[];
  readonly tmpfs?: string | string[];
  readonly ports?: string[];
  readonly profiles?: string[];
}

export interface ComposeFile {
  readonly services: Readonly<Record<string, ComposeService>>;
}

/** Parses and interpolates docker-compose.yml (like `docker-compose config`, without an engine). */
export function readCompose(path: string, env: Env): ComposeFile {
  const raw = parse(readFileSync(path, "utf8")) as unknown;
  const file = interpolateDeep(raw, env) as { services?: Record<string, ComposeService> };
  if (file.services === undefined) throw new Error(`${path}: no services`);
  return { services: file.services };
}

/** A `.env`-style file: KEY=VALUE lines, # comments, optional quotes. */
export function readEnvFile(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match === null) continue;
    let value = match[2]!.trim();
    if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1);
    else value = value.replace(/\s+#.*$/, "");
    out[match[1]!] = value;
  }
  return out;
}

export function serviceEnvironment(service: ComposeService): Record<string, string> {
  const env = service.environment;
  if (env === undefined) return {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((entry) => [entry.split("=")[0]!, entry.split("=").slice(1).join("=")]));
  }
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, value === null ? "" : String(value)]));
}

interface Mount {
  readonly container: string;
  readonly host: string;
}

/**
 * Where a service's container paths live on this machine: bind mounts → the repository (or
 * the host path), named volumes and tmpfs → `<runDir>/<service>/...`.
 */
export class MountMap {
  private readonly mounts: Mount[];

  constructor(service: string, definition: ComposeService, repoRoot: string, runDir: string) {
    const mounts: Mount[] = [];
    for (const volume of definition.volumes ?? []) {
      const [source, target] = typeof volume === "string" ? volume.split(":") : [volume.source, volume.target];
      if (source === undefined || target === undefined) continue;
      const isPath = source.startsWith(".") || isAbsolute(source);
      mounts.push({ container: target, host: isPath ? resolve(repoRoot, source) : join(runDir, service, "volumes", source) });
    }
    const tmpfs = definition.tmpfs === undefined ? [] : Array.isArray(definition.tmpfs) ? definition.tmpfs : [definition.tmpfs];
    for (const entry of tmpfs) {
      const target = entry.split(":")[0]!;
      mounts.push({ container: target, host: join(runDir, service, "tmpfs", target) });
    }
    // Longest container path first: nested mounts win.
    this.mounts = mounts.sort((a, b) => b.container.length - a.container.length);
  }

  /** The host path of an absolute container path, or undefined when no mount holds it. */
  hostPath(containerPath: string): string | undefined {
    for (const mount of this.mounts) {
      if (containerPath === mount.container) return mount.host;
      if (containerPath.startsWith(`${mount.container}/`)) return join(mount.host, containerPath.slice(mount.container.length + 1));
    }
    return undefined;
  }
}

/** `service:port` (as compose's network names it) → the local addresses serving it. */
export type AddressTable = ReadonlyMap<string, readonly string[]>;

/** Keys whose string values are file paths (relative ones resolve against the config's directory). */
const PATH_KEYS = /(^|_)(file|files|path|rule_files|templates|dir)$/;

export interface TranslateContext {
  readonly addresses: AddressTable;
  readonly mounts: MountMap;
  /** The config file's directory inside the container (for relative paths). */
  readonly containerDir: string;
}

/** `index` picks among several local addresses (gateway instances); the first by default. */
function translateString(value: string, key: string, context: TranslateContext, index?: number): string[] {
  const pick = (mapped: readonly string[]): string => mapped[index ?? 0] ?? mapped[0]!;
  const exact = context.addresses.get(value);
  if (exact !== undefined) return index === undefined ? [...exact] : [pick(exact)];
  const url = /^([a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?)([A-Za-z0-9_.-]+:\d+)(.*)$/.exec(value);
  if (url !== null) {
    const mapped = context.addresses.get(url[2]!);
    if (mapped !== undefined) return [`${url[1]}${pick(mapped)}${url[3]}`];
    return [value];
  }
  const looksLikePath = value.startsWith("/") || (PATH_KEYS.test(key) && !value.includes("://") && value !== "");
  if (looksLikePath) {
    const containerPath = value.startsWith("/") ? value : posix.join(context.containerDir, value);
    const host = context.mounts.hostPath(containerPath);
    if (host !== undefined) return [host];
  }
  return [value];
}

function isTargetGroup(value: unknown): value is { targets: unknown[]; labels?: unknown } {
  return value !== null && typeof value === "object" && Array.isArray((value as { targets?: unknown }).targets);
}

/**
 * A Prometheus target group (static_configs, file_sd) whose single target is served by several
 * local instances becomes one group per instance, its labels translated for that instance
 * (e.g. `gateway: "gateway:4000"` next to `targets: ["gateway:9464"]`).
 */
function expandTargetGroup(group: { targets: unknown[]; labels?: unknown }, context: TranslateContext): unknown[] {
  const [only] = group.targets;
  const count = group.targets.length === 1 && typeof only === "string" ? (context.addresses.get(only)?.length ?? 1) : 1;
  if (count <= 1) return [translateConfig(group, context)];
  return Array.from({ length: count }, (_, index) => translateConfig(group, context, "", index));
}

/** Rewrites a parsed config (Prometheus, Alertmanager, Grafana provisioning) for local processes. */
export function translateConfig(value: unknown, context: TranslateContext, key = "", index?: number): unknown {
  if (typeof value === "string") return translateString(value, key, context, index)[0];
  if (Array.isArray(value)) {
    return value.flatMap((item) => {
      if (typeof item === "string") return translateString(item, key, context, index);
      if (index === undefined && isTargetGroup(item)) return expandTargetGroup(item, context);
      return [translateConfig(item, context, key, index)];
    });
  }
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([entryKey, item]) => [entryKey, translateConfig(item, context, entryKey, index)]));
  }
  return value;
}

/** A compose command (string or list) as an argument list, each argument translated. */
export function translateCommand(command: string | string[] | undefined, context: TranslateContext): string[] {
  const args = command === undefined ? [] : Array.isArray(command) ? command : command.split(/\s+/).filter((arg) => arg !== "");
  return args.map((arg) => {
    const flag = /^(--?[A-Za-z0-9.-]+=)(.*)$/.exec(arg);
    if (flag === null) return translateString(arg, "", context)[0]!;
    const name = flag[1]!.replace(/^--?/, "").replace(/=$/, "");
    return `${flag[1]}${translateString(flag[2]!, name.endsWith(".file") || name.endsWith(".path") ? "file" : "", context)[0]}`;
  });
}
