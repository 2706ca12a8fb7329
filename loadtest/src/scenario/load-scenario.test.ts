import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BUILTIN_SCENARIOS, loadScenario, ScenarioError } from "./load-scenario.ts";
import { seededRandom } from "./random.ts";

const dir = mkdtempSync(join(tmpdir(), "pharos-scenario-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const options = { env: { LITELLM_MASTER_KEY: "sk-test" }, cwd: dir };

function file(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

async function loadError(reference: string, env: Record<string, string> = {}): Promise<string> {
  const error: unknown = await loadScenario(reference, { env, cwd: dir }).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ScenarioError);
  return (error as Error).message;
}

describe("built-in scenarios", () => {
  it.each(BUILTIN_SCENARIOS)("%s loads and renders a request body", async (name) => {
    const scenario = await loadScenario(name, options);
    const task = scenario.userClasses[0]?.tasks[0];
    expect(task?.headers["authorization"]).toBe("Bearer sk-test");
    expect(() => JSON.parse(task?.body?.render({ random: seededRandom(1), user: 1, sequence: 1 }).text ?? "")).not.toThrow();
  });

  it("litellm-benchmark is the seed's locustfile with LiteLLM's custom overhead entry", async () => {
    const scenario = await loadScenario("litellm-benchmark", options);
    const [user] = scenario.userClasses;
    expect(user?.waitTime).toEqual({ kind: "between", min: 0.1, max: 0.5 });
    expect(user?.tasks.map((t) => `${t.method} ${t.name}`)).toEqual(["POST /v1/chat/completions"]);
    expect(JSON.parse(user?.tasks[0]?.body?.render({ random: Math.random, user: 1, sequence: 1 }).text ?? "")).toEqual({
      model: "fake-openai-endpoint",
      messages: [{ role: "user", content: "test" }],
    });
    expect(scenario.metrics).toEqual([{ name: "LiteLLM Overhead Duration (ms)", header: "x-litellm-overhead-duration-ms", type: "Custom" }]);
  });

  it("chat-mixed (a TypeScript scenario) streams some requests and not others", async () => {
    const scenario = await loadScenario("chat-mixed", options);
    const streams = scenario.userClasses.flatMap((user) => user.tasks).map((task) => task.body?.render({ random: Math.random, user: 1, sequence: 1 }).stream);
    expect(streams).toContain(true);
    expect(streams).toContain(false);
  });
});

describe("scenario files", () => {
  it("reads YAML with weights, env references with defaults, and body templates", async () => {
    const name = file(
      "ok.yaml",
      `host: http://\${TARGET_HOST:-localhost:4000}
users:
  - name: A
    weight: 3
    wait_time: constant_throughput(2)
    headers: { X-Key: "\${LITELLM_MASTER_KEY}" }
    tasks:
      - { method: POST, path: /v1/chat/completions, weight: 2, body: { model: m, stream: { $choice: [true] }, messages: [{ role: user, content: "{{user}}-{{sequence}}" }] } }
      - { method: GET, path: /v1/models, name: models }
`,
    );
    const scenario = await loadScenario(name, options);
    expect(scenario.host).toBe("http://localhost:4000");
    const [user] = scenario.userClasses;
    expect(user?.waitTime).toEqual({ kind: "pacing", periodSeconds: 0.5 });
    expect(user?.tasks.map((t) => [t.name, t.weight, t.headers["x-key"], t.headers["content-type"]])).toEqual([
      ["/v1/chat/completions", 2, "sk-test", "application/json"],
      ["models", 1, "sk-test", undefined],
    ]);
    const body = user?.tasks[0]?.body?.render({ random: Math.random, user: 7, sequence: 42 });
    expect(body?.stream).toBe(true);
    expect(JSON.parse(body?.text ?? "").messages[0].content).toBe("7-42");
  });

  it("rejects a missing file, a Python locustfile and an unknown extension clearly", async () => {
    expect(await loadError("nope.yaml")).toMatch(/no such file, and not a built-in scenario \(built-ins: litellm-benchmark/);
    expect(await loadError(file("locustfile.py", "from locust import HttpUser\n"))).toMatch(/does not run Python locustfiles/);
    expect(await loadError(file("s.txt", "users: []"))).toMatch(/unknown file type ".txt"/);
  });

  it("reports YAML syntax errors with their position", async () => {
    expect(await loadError(file("broken.yaml", "users:\n  - name: [unclosed\n"))).toMatch(/not valid YAML: .*line/s);
  });

  it("lists every schema problem with its path", async () => {
    const message = await loadError(file("bad.yaml", "users:\n  - name: A\n    tasks:\n      - { method: FETCH, path: v1/x }\n    colour: blue\n"));
    expect(message).toMatch(/is invalid:/);
    expect(message).toMatch(/users\[0\]\.tasks\[0\]\.method: /);
    expect(message).toMatch(/users\[0\]\.tasks\[0\]\.path: must start with "\/"/);
    expect(message).toMatch(/users\[0\]: Unrecognized key: "colour"/);
  });

  it("rejects bad wait_time, unknown placeholders and missing environment variables by path", async () => {
    const task = "tasks: [{ method: GET, path: /x }]";
    expect(await loadError(file("w.yaml", `users: [{ name: A, wait_time: "between(2, 1)", ${task} }]`))).toMatch(/users\[0\]\.wait_time: invalid wait_time "between\(2, 1\)"/);
    expect(await loadError(file("p.yaml", "users: [{ name: A, tasks: [{ method: POST, path: /x, body: { a: '{{nonce}}' } }] }]"))).toMatch(/users\[0\]\.tasks\[0\]\.body\.a: unknown placeholder \{\{nonce\}\}/);
    expect(await loadError(file("e.yaml", `users: [{ name: A, headers: { Authorization: "Bearer \${NO_SUCH_KEY}" }, ${task} }]`))).toMatch(
      /users\[0\]\.headers\.Authorization: environment variable NO_SUCH_KEY is not set/,
    );
  });

  it("rejects a TypeScript scenario without a default export", async () => {
    expect(await loadError(file("none.mjs", "export const users = [];\n"))).toMatch(/has no default export/);
  });

  it("selects user classes by name (Locust's positional arguments)", async () => {
    const scenario = await loadScenario("chat-mixed", { ...options, userClassNames: ["BatchUser"] });
    expect(scenario.userClasses.map((u) => u.name)).toEqual(["BatchUser"]);
    await expect(loadScenario("chat-mixed", { ...options, userClassNames: ["Nobody"] })).rejects.toThrow(/has no user class Nobody \(it has: InteractiveUser, BatchUser\)/);
  });
});
