/**
 * Helpers for the telemetry end-to-end tests: a Prometheus text parser (enough for what Pharos
 * serves), `promtool check metrics`, and POSTs on a fresh connection each (so a cluster spreads
 * them over its workers).
 */
import { spawnSync } from "node:child_process";
import { get, request } from "node:http";

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Scrape {
  readonly text: string;
  readonly samples: readonly Sample[];
  readonly types: ReadonlyMap<string, string>;
  /** Samples of `name` whose labels include every given label. */
  find(name: string, labels?: Record<string, string>): Sample[];
  /** The sum of the matching samples' values (0 when none match). */
  sum(name: string, labels?: Record<string, string>): number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseScrape(text: string): Scrape {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line.startsWith("# TYPE ")) {
      const [, , name, type] = line.split(" ");
      if (name !== undefined && type !== undefined) types.set(name, type);
      continue;
    }
    if (line === "" || line.startsWith("#")) continue;
    const match = SAMPLE.exec(line);
    if (match === null) throw new Error(`unparsable sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const label of (match[3] ?? "").matchAll(LABEL)) labels[label[1]!] = label[2]!.replace(/\\"/g, '"').replace(/\\n/g, "\n").replace(/\\\\/g, "\\");
    const raw = match[4]!;
    samples.push({ name: match[1]!, labels, value: raw === "+Inf" ? Infinity : raw === "-Inf" ? -Infinity : Number(raw) });
  }
  const find = (name: string, wanted: Record<string, string> = {}): Sample[] =>
    samples.filter((sample) => sample.name === name && Object.entries(wanted).every(([key, value]) => sample.labels[key] === value));
  return { text, samples, types, find, sum: (name, wanted) => find(name, wanted).reduce((total, sample) => total + sample.value, 0) };
}

/** GET /metrics on a new connection (in a cluster, any worker may answer). */
export function scrape(url: string): Promise<Scrape> {
  return new Promise((resolve, reject) => {
    get(`${url}/metrics`, { agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => (res.statusCode === 200 ? resolve(parseScrape(text)) : reject(new Error(`GET /metrics answered ${res.statusCode}`))));
      res.on("error", reject);
    }).on("error", reject);
  });
}

/** `promtool check metrics` on a scrape: its exit code and output. Throws when promtool is missing. */
export function promtoolCheck(text: string): { code: number; output: string } {
  const result = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
  if (result.error !== undefined) {
    throw new Error(`promtool is not installed (Debian: apt-get install -y prometheus): ${result.error.message}`);
  }
  return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

export interface PostResult {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/** POST JSON on a new connection (no keep-alive). */
export function postJson(url: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<PostResult> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method: "POST", agent: false, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload), ...headers } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(payload);
  });
}

/** The JSON lines a pino process wrote, parsed (other lines skipped). */
export function logLines(output: string): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const line of output.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a partial line at the end of the buffer
    }
  }
  return lines;
}
