/**
 * pharos-load as operators run it: thresholds and exit codes, abort on failure, locust.conf /
 * LOCUST_* / flag precedence, and clear errors for bad flags and bad scenario files.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScriptedServer } from "./support/scripted-server.ts";
import { removeTempDirs, runHarness, tempDir, writeScenario } from "./support/run-harness.ts";
import { OLD_NODE } from "../../tests/support/old-node.ts";

const FAST = "users: [{ name: U, wait_time: constant(0.05), tasks: [{ method: GET, path: /ok }] }]\n";
const FAILING = "users: [{ name: U, wait_time: constant(0.05), tasks: [{ method: GET, path: /fail }] }]\n";

const server = new ScriptedServer((request) => (request.url === "/fail" ? { status: 503 } : { delayMs: 5 }));
let url = "";
let dir = "";

beforeAll(async () => {
  url = await server.listen();
  dir = tempDir();
  writeScenario(dir, "fast.yaml", FAST);
  writeScenario(dir, "failing.yaml", FAILING);
});

afterAll(() => {
  server.close();
  removeTempDirs();
});

const base = (scenario: string, seconds = "2"): string[] => ["-f", scenario, "-H", url, "-u", "2", "-r", "2", "-t", seconds, "--only-summary"];

describe("thresholds", () => {
  it("exit 0 and ✓ lines when every threshold holds", async () => {
    const run = await runHarness([...base("fast.yaml"), "--threshold", "p99<5000", "--threshold", "fail_rate<0.01", "--threshold", "rps>1"], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/✓ p99<5000 \(actual [\d.]+\)/);
    expect(run.stderr).toMatch(/✓ fail_rate<0.01 \(actual 0\)/);
  });

  it("exit 99 and a ✗ line when one fails (here: a latency no server can meet)", async () => {
    const run = await runHarness([...base("fast.yaml"), "--threshold", "p50<0.001", "--threshold", "p99<5000"], { cwd: dir });
    expect(run.code).toBe(99);
    expect(run.stderr).toMatch(/✗ p50<0.001 \(actual [\d.]+\)/);
    expect(run.stderr).toMatch(/✓ p99<5000/);
  });

  it("a missing metric fails its threshold instead of passing silently", async () => {
    const run = await runHarness([...base("fast.yaml", "1"), "--threshold", "overhead_p50<1"], { cwd: dir });
    expect(run.code).toBe(99);
    expect(run.stderr).toMatch(/✗ overhead_p50<1 \(actual no data\)/);
  });

  it(":abort stops the run early when the threshold fails", async () => {
    const run = await runHarness([...base("failing.yaml", "20"), "--threshold", "fail_rate<0.01:abort"], { cwd: dir });
    expect(run.code).toBe(99);
    expect(run.stderr).toMatch(/threshold fail_rate<0.01:abort failed/);
    expect(run.stderr).toMatch(/A threshold marked :abort failed, shutting down/);
    expect(run.seconds).toBeLessThan(10);
  });

  it("without thresholds, failed requests exit with --exit-code-on-error", async () => {
    const run = await runHarness([...base("failing.yaml", "1"), "--exit-code-on-error", "3"], { cwd: dir });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/HTTPError\('503 Server Error: Service Unavailable for url: .*\/fail'\)/);
  });
});

describe("configuration layers", () => {
  it("reads locust.conf, lets LOCUST_* override it, and the command line override both", async () => {
    const cwd = tempDir();
    writeScenario(cwd, "fast.yaml", FAST);
    writeFileSync(join(cwd, "locust.conf"), `# as Locust reads it\nlocustfile = fast.yaml\nhost = ${url}\nusers = 5\nspawn-rate = 10\nrun-time = 1\nonly-summary = true\n`);
    const fromFile = await runHarness([], { cwd });
    expect(fromFile.stderr).toMatch(/\(5 total users\)/);
    const fromEnv = await runHarness([], { cwd, env: { LOCUST_USERS: "3" } });
    expect(fromEnv.stderr).toMatch(/\(3 total users\)/);
    const fromFlag = await runHarness(["-u", "2"], { cwd, env: { LOCUST_USERS: "3" } });
    expect(fromFlag.stderr).toMatch(/\(2 total users\)/);
    expect([fromFile.code, fromEnv.code, fromFlag.code]).toEqual([0, 0, 0]);
  });
});

describe("clear errors, exit 2", () => {
  const cases: Array<[string, string[], RegExp, Record<string, string>?]> = [
    ["unknown flag", ["--bogus"], /pharos-load: error: unknown flag --bogus; see --help/],
    ["misspelt flag", ["--spawnrate", "3"], /did you mean --spawn-rate\?/],
    ["Locust distributed flag", ["--master"], /--master is a Locust option for distributed mode/],
    ["bad number", ["-u", "many"], /invalid value for -u\/--users from the command line: "many" is not an integer/],
    ["bad run time", ["-t", "soon"], /-t\/--run-time .* "soon" is not a time span/],
    ["no host", ["-f", "litellm-benchmark", "-t", "1"], /no target: pass -H\/--host URL/],
    ["bad host", ["-H", "localhost:4000"], /-H\/--host "localhost:4000" is not a URL|only http:\/\/ and https:\/\/ targets/],
    ["missing scenario", ["-f", "missing.yaml", "-H", "http://127.0.0.1:9"], /scenario missing\.yaml: no such file, and not a built-in scenario/],
    ["Python locustfile", ["-f", "locustfile.py", "-H", "http://127.0.0.1:9"], /does not run Python locustfiles/],
    ["invalid scenario", ["-f", "invalid.yaml", "-H", "http://127.0.0.1:9"], /users\[0\]\.tasks: needs at least one task/],
    ["bad threshold", ["--threshold", "p99 is low"], /invalid threshold "p99 is low"/],
    ["compare without targets", ["compare", "--a", "http://127.0.0.1:9"], /compare needs --a URL and --b URL \(missing --b\)/],
    ["compare failure limit not a fraction", ["compare", "--a", "http://127.0.0.1:9", "--b", "http://127.0.0.1:9", "--max-fail-rate", "5"], /invalid value for --max-fail-rate from the command line: "5" is not a fraction between 0 and 1/],
    ["bad boolean flag", ["--headless=maybe", "-H", "http://127.0.0.1:9", "-t", "1"], /invalid value for --headless from the command line: "maybe" is not a boolean \(true\/false/],
    ["bad boolean variable", ["-H", "http://127.0.0.1:9", "-t", "1"], /invalid value for --headless from LOCUST_HEADLESS: "xyz" is not a boolean/, { LOCUST_HEADLESS: "xyz" }],
    ["bad boolean in a config file", ["--config", "bad-bool.conf", "-H", "http://127.0.0.1:9"], /invalid value for --only-summary from .*bad-bool\.conf:2: "nah" is not a boolean/],
    ["flag the load model ignores", ["--arrival", "bursty", "-H", "http://127.0.0.1:9", "-t", "1"], /invalid value for --arrival from the command line: "bursty" is not one of constant, poisson/],
  ];

  beforeAll(() => {
    writeScenario(dir, "locustfile.py", "from locust import HttpUser\n");
    writeScenario(dir, "invalid.yaml", "users: [{ name: U, tasks: [] }]\n");
    writeScenario(dir, "bad-bool.conf", "run-time = 1\nonly-summary = nah\n");
  });

  it.each(cases)("%s", async (_name, args, message, env) => {
    const run = await runHarness(args, { cwd: dir, ...(env === undefined ? {} : { env }) });
    expect(run.stderr).toMatch(message);
    expect(run.code).toBe(2);
  });

  it("--help lists the Locust flags with their environment variables", async () => {
    const run = await runHarness(["--help"], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/-u, --users N .*\[LOCUST_USERS\]/);
    expect(run.stdout).toMatch(/--threshold EXPR/);
  });
});


describe("on a Node.js that is too old", () => {
  it.skipIf(OLD_NODE === undefined)(`says which Node it needs and exits 1 (${OLD_NODE?.version ?? "no old Node here"})`, () => {
    const result = spawnSync(OLD_NODE!.path, [resolve(import.meta.dirname, "../../dist/loadtest/src/main.js"), "--help"], { encoding: "utf8", timeout: 30_000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`pharos-load needs Node.js >= 22.19 (this is ${OLD_NODE!.version})\n`);
    expect(result.stdout).toBe("");
  });
});
