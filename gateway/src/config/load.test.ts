import { readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildDeployments } from "../router/deployments.ts";
import type { TransportSource } from "../router/deployments.ts";
import type { Transport } from "../providers/transport.ts";
import { MAX_REDIS_CONNECTIONS, routerRedisSettings } from "../stores/redis.ts";
import { removeTempDirs, tempDir } from "../../../tests/support/temp-dir.ts";
import { ConfigError, loadConfigFile, loadEmbeddedDefault, parseConfigText } from "./load.ts";
import { formatPath } from "./path.ts";

const SEEDS = resolve(import.meta.dirname, "../../test/fixtures/seed-configs");
const SEED_ENV = {
  OLLAMA_API_KEY: "sk-ollama-test",
  GEMINI_API_KEY: "gemini-test",
  VOYAGE_API_KEY: "voyage-test",
  REDIS_HOST: "redis",
  REDIS_PORT: "6379",
  REDIS_PASSWORD: "secret",
  LITELLM_MASTER_KEY: "sk-master",
  DATABASE_URL: "postgresql://litellm:pw@postgres:5432/litellm",
};

const noTransport = {} as Transport;
const transports: TransportSource = { http: () => noTransport, inProcess: () => noTransport };

afterAll(() => removeTempDirs());

function problemsOf(text: string, env: NodeJS.ProcessEnv = {}): readonly string[] {
  try {
    parseConfigText(text, "test.yaml", env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("the seeds' configs", () => {
  const files = readdirSync(SEEDS).filter((file) => file.endsWith(".yaml"));

  it("are all here", () => {
    expect(files).toHaveLength(5);
  });

  it.each(files)("%s loads and builds its deployments", (file) => {
    const loaded = loadConfigFile(join(SEEDS, file), SEED_ENV);
    const built = buildDeployments(loaded.config, SEED_ENV, transports);
    expect(built.problems).toEqual([]);
    expect(built.table.all.length).toBeGreaterThan(0);
  });

  it("001: translates the guide's own blocks into LiteLLM settings, with a warning each", () => {
    const loaded = loadConfigFile(join(SEEDS, "seed-001-load-balancing.yaml"), SEED_ENV);
    const { config } = loaded;
    expect(config.router_settings.routing_strategy).toBe("least-busy");
    expect(config.router_settings.fallbacks).toEqual([{ "ollama/llama3.2": ["ollama/mistral"] }, { "ollama/mistral": ["ollama/neural-chat"] }]);
    expect(config.router_settings.num_retries).toBe(1);
    expect(config.general_settings.background_health_checks).toBe(true);
    expect(config.general_settings.health_check_interval).toBe(30);
    expect(config.litellm_settings.cache).toBe(true);
    expect(config.litellm_settings.cache_params).toMatchObject({ type: "redis", host: "redis", port: 6379, ttl: 3600 });
    // model_name carries the provider prefix and litellm_params.model is absent: inferred.
    expect(config.model_list[0]?.litellm_params.model).toBe("ollama/llama3.2");
    expect(loaded.warnings.some((warning) => warning.startsWith("model_list[0].litellm_params.model: not set"))).toBe(true);
    expect(loaded.warnings.some((warning) => warning.startsWith("load_balancing_config:"))).toBe(true);
    expect(loaded.warnings.some((warning) => warning.startsWith("advanced.log_requests: accepted but not implemented"))).toBe(true);
  });

  it("001: three weighted Ollama servers share one group", () => {
    const loaded = loadConfigFile(join(SEEDS, "seed-001-load-balancing.yaml"), SEED_ENV);
    const { table } = buildDeployments(loaded.config, SEED_ENV, transports);
    const group = table.groups.get("ollama/llama3.2") ?? [];
    expect(group.map((deployment) => deployment.apiBase)).toEqual(["http://192.168.1.2:11434", "http://192.168.1.11:11434", "http://192.168.1.20:11434"]);
    expect(group.map((deployment) => deployment.weight)).toEqual([1, 2, undefined]);
    expect(group.every((deployment) => deployment.adapter.kind === "ollama" && deployment.price.source === "config")).toBe(true);
  });

  it("002: environment references resolve, numbers from the environment become numbers", () => {
    const { config } = loadConfigFile(join(SEEDS, "seed-002-production-hardening.yaml"), SEED_ENV);
    expect(config.router_settings.redis_host).toBe("redis");
    expect(config.router_settings.redis_port).toBe(6379);
    expect(config.litellm_settings.cache_params?.port).toBe(6379);
    expect(config.litellm_settings.set_verbose).toBe(false);
    expect(config.router_settings.retry_policy?.RateLimitErrorRetries).toBe(5);
    expect(config.router_settings.allowed_fails_policy?.RateLimitErrorAllowedFails).toBe(10000);
    expect(config.general_settings.alerting_threshold).toBe(1000);
  });

  it("004: provider keys come from the environment, timeouts from request_timeout", () => {
    const loaded = loadConfigFile(join(SEEDS, "seed-004-production-setup.yaml"), SEED_ENV);
    const { table } = buildDeployments(loaded.config, SEED_ENV, transports);
    const gemini = table.groups.get("gemini-flash")?.[0];
    expect(gemini?.target).toMatchObject({ model: "gemini-2.0-flash", apiKey: "gemini-test", basePath: "" });
    expect(gemini?.timeoutMs).toBe(600_000);
    expect(table.groups.get("voyage-embed")?.[0]?.mode).toBe("embedding");
    expect(loaded.config.general_settings.master_key).toBe("sk-master");
  });
});

describe("the embedded default", () => {
  it("is one in-process chat group and one embedding group, open without a master key", () => {
    const loaded = loadEmbeddedDefault({});
    const { table, problems } = buildDeployments(loaded.config, {}, transports);
    expect(problems).toEqual([]);
    expect(table.groupNames).toEqual(["fake-embedding-endpoint", "fake-openai-endpoint"]);
    expect(table.all.every((deployment) => deployment.provider.inProcess)).toBe(true);
    expect(loaded.config.general_settings.master_key).toBeUndefined();
  });

  it("takes LITELLM_MASTER_KEY from the environment", () => {
    expect(loadEmbeddedDefault({ LITELLM_MASTER_KEY: "sk-1" }).config.general_settings.master_key).toBe("sk-1");
  });
});

describe("bad configs name every problem by path", () => {
  it("reports an unknown key with the nearest known one", () => {
    expect(problemsOf("router_settings:\n  num_retires: 3\n")).toEqual(['router_settings.num_retires: unknown key (did you mean "num_retries"?)']);
  });

  it("reports a bad URL and a bad number in one pass", () => {
    const problems = problemsOf(`
model_list:
  - model_name: a
    litellm_params: { model: openai/gpt-4o }
  - model_name: b
    litellm_params: { model: openai/gpt-4o }
  - model_name: c
    litellm_params:
      model: openai/gpt-4o
      api_base: not a url
      rpm: lots
`);
    expect(problems).toEqual(["model_list[2].litellm_params.api_base: expected a URL", "model_list[2].litellm_params.rpm: expected a number"]);
  });

  it("reports a missing environment variable with the path that references it", () => {
    expect(problemsOf("general_settings:\n  master_key: os.environ/NOPE_NOT_SET\n")).toEqual([
      "general_settings.master_key: environment variable NOPE_NOT_SET is not set (referenced as os.environ/NOPE_NOT_SET)",
    ]);
  });

  it("uses environment_variables from the file for os.environ references", () => {
    const loaded = parseConfigText("environment_variables:\n  MY_KEY: sk-from-file\ngeneral_settings:\n  master_key: os.environ/MY_KEY\n", "t", {});
    expect(loaded.config.general_settings.master_key).toBe("sk-from-file");
  });

  it("rejects a model without provider prefix inference", () => {
    expect(problemsOf("model_list:\n  - model_name: plain\n    litellm_params: {}\n")).toEqual([
      'model_list[0].litellm_params.model: required (a provider-prefixed model such as "ollama_chat/llama3.2")',
    ]);
  });

  it("rejects a fallback to a group that does not exist", () => {
    const problems = problemsOf(`
model_list:
  - model_name: a
    litellm_params: { model: openai/gpt-4o }
router_settings:
  fallbacks: [{ a: [b] }]
  default_fallbacks: [c]
`);
    expect(problems).toEqual([
      'router_settings.fallbacks[0].a: fallback "b" is not a model group in model_list',
      'router_settings.default_fallbacks[0]: "c" is not a model group in model_list',
    ]);
  });

  it("reports YAML syntax errors and duplicate keys", () => {
    expect(problemsOf("model_list: [\n")[0]).toMatch(/^YAML: /);
    expect(problemsOf("router_settings:\n  num_retries: 1\n  num_retries: 2\n")[0]).toMatch(/^YAML: .*unique/i);
  });

  it("rejects a config that is not a mapping", () => {
    expect(problemsOf("- a\n- b\n")).toEqual(["(root): expected a mapping with model_list, router_settings, …"]);
  });

  it("rejects an unknown routing strategy and an unknown retry policy key", () => {
    const problems = problemsOf("router_settings:\n  routing_strategy: fastest\n  retry_policy:\n    TimeoutRetries: 2\n");
    expect(problems[0]).toMatch(/^router_settings\.routing_strategy: /);
    expect(problems[1]).toBe('router_settings.retry_policy.TimeoutRetries: unknown key (did you mean "TimeoutErrorRetries"?)');
  });

  it("warns once for each accepted-but-unimplemented key", () => {
    const loaded = parseConfigText("litellm_settings:\n  redact_user_api_key_info: true\ngeneral_settings:\n  ui_access_mode: admin_only\n", "t", {});
    expect(loaded.warnings).toEqual([
      "litellm_settings.redact_user_api_key_info: accepted but not implemented yet (Pharos always redacts keys)",
      "general_settings.ui_access_mode: accepted but not implemented yet (Pharos has no admin UI)",
    ]);
  });
});

describe("include: (LiteLLM's config includes)", () => {
  function files(entries: Record<string, string>): string {
    const dir = tempDir("pharos-include-");
    for (const [name, text] of Object.entries(entries)) writeFileSync(join(dir, name), text);
    return join(dir, "config.yaml");
  }

  it("merges each included file: lists appended, other keys replaced, relative to the config file", () => {
    const path = files({
      "config.yaml": `include: [models.yaml, settings.yaml]
model_list:
  - { model_name: main, litellm_params: { model: openai/a, api_base: "http://a.test/v1" } }
router_settings: { num_retries: 5 }
`,
      "models.yaml": `model_list:
  - { model_name: extra, litellm_params: { model: openai/b, api_base: "http://b.test/v1" } }
`,
      "settings.yaml": "router_settings: { routing_strategy: least-busy }\n",
    });
    const loaded = loadConfigFile(path, {});
    expect(loaded.config.model_list.map((entry) => entry.model_name)).toEqual(["main", "extra"]);
    expect(loaded.config.router_settings).toMatchObject({ routing_strategy: "least-busy" });
    expect(loaded.config.router_settings.num_retries).toBeUndefined();
    expect(loaded.warnings.filter((warning) => warning.includes("include"))).toEqual([]);
  });

  it("names a missing or broken include, and refuses nested includes", () => {
    const path = files({
      "config.yaml": "include: [missing.yaml, broken.yaml, nested.yaml]\n",
      "broken.yaml": "model_list: [\n",
      "nested.yaml": "include: [other.yaml]\n",
    });
    let problems: readonly string[] = [];
    try {
      loadConfigFile(path, {});
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect(problems[0]).toMatch(/^include\[0\] \(missing\.yaml\): cannot read the file: ENOENT/);
    expect(problems[1]).toMatch(/^include\[1\] \(broken\.yaml\): YAML: /);
    expect(problems[2]).toBe("include[2] (nested.yaml): include: an included file cannot include further files");
    expect(problemsOf("include: [a.yaml]\n")).toEqual(["include[0] (a.yaml): only a config file can include others"]);
    expect(problemsOf("include: a.yaml\n")).toEqual(["include: expected a list of file names"]);
  });
});

describe("drop_params", () => {
  it("is implemented: litellm_settings sets it for every deployment, a deployment's own litellm_params wins", () => {
    const text = [
      "model_list:",
      "  - {model_name: a, litellm_params: {model: gemini/gemini-2.0-flash, api_key: k}}",
      "  - {model_name: b, litellm_params: {model: gemini/gemini-2.0-flash, api_key: k, drop_params: false}}",
      "  - {model_name: c, litellm_params: {model: ollama_chat/llama3.2, drop_params: 'true'}}",
      "litellm_settings:",
      "  drop_params: true",
    ].join("\n");
    const loaded = parseConfigText(text, "t", {});
    expect(loaded.warnings.filter((warning) => warning.includes("drop_params"))).toEqual([]);
    expect(buildDeployments(loaded.config, {}, transports).table.all.map((deployment) => deployment.dropParams)).toEqual([true, false, true]);
    const off = parseConfigText("model_list:\n  - {model_name: a, litellm_params: {model: gemini/gemini-2.0-flash, api_key: k}}\n", "t", {});
    expect(buildDeployments(off.config, {}, transports).table.all[0]?.dropParams).toBe(false);
  });
});

describe("LiteLLM settings Pharos does not act on", () => {
  it("load from a real-world config unchanged, with one warning each that says why", () => {
    const loaded = loadConfigFile(resolve(import.meta.dirname, "../../test/fixtures/litellm-configs/common-settings.yaml"), { OPENAI_API_KEY: "sk-test" });
    const ignored = [
      "model_list[0].litellm_params.max_parallel_requests",
      "model_list[0].litellm_params.num_retries",
      "litellm_settings.service_callback",
      "litellm_settings.telemetry",
      "litellm_settings.modify_params",
      "litellm_settings.enable_preview_features",
      "litellm_settings.return_response_headers",
      "litellm_settings.default_team_settings",
      "litellm_settings.force_ipv4",
      "litellm_settings.disable_end_user_cost_tracking",
      "litellm_settings.max_end_user_budget",
      "litellm_settings.default_key_generate_params",
      "litellm_settings.upperbound_key_generate_params",
      "router_settings.polling_interval",
      "router_settings.caching_groups",
      "general_settings.infer_model_from_keys",
      "general_settings.forward_openai_org_id",
      "general_settings.pass_through_endpoints",
      "general_settings.public_routes",
      "general_settings.enable_jwt_auth",
      "general_settings.allowed_ips",
      "general_settings.disable_spend_updates",
      "general_settings.store_prompts_in_spend_logs",
    ];
    const warned = loaded.warnings.filter((warning) => warning.includes("accepted but not implemented yet")).map((warning) => warning.split(":")[0]);
    expect([...warned].sort()).toEqual([...ignored].sort());
    for (const warning of loaded.warnings.filter((line) => line.includes("accepted but not implemented yet"))) expect(warning).toMatch(/\(.+\)$/);
    expect(loaded.config.router_settings.routing_strategy).toBe("usage-based-routing-v2");
    // router_settings.default_litellm_params reaches every deployment that does not set its own
    expect(loaded.config.model_list.map((entry) => entry.litellm_params.temperature)).toEqual([0.2, 0.2]);
  });
});

describe("LiteLLM spellings that map onto other settings", () => {
  it("custom_llm_provider names the provider of an unprefixed model (or of the group name)", () => {
    const loaded = parseConfigText(
      `model_list:
  - { model_name: llama, litellm_params: { model: llama3.2, custom_llm_provider: ollama_chat, api_base: "http://o.test:11434" } }
  - { model_name: mistral, litellm_params: { custom_llm_provider: ollama, api_base: "http://o.test:11434" } }
  - { model_name: same, litellm_params: { model: ollama_chat/qwen, custom_llm_provider: ollama_chat, api_base: "http://o.test:11434" } }
`,
      "t",
      {},
    );
    expect(loaded.config.model_list.map((entry) => entry.litellm_params.model)).toEqual(["ollama_chat/llama3.2", "ollama/mistral", "ollama_chat/qwen"]);
    expect(loaded.warnings.filter((warning) => warning.includes("custom_llm_provider"))).toEqual([]);
    const { table } = buildDeployments(loaded.config, {}, transports);
    expect(table.all.map((deployment) => [deployment.adapter.kind, deployment.target.model])).toEqual([["ollama_chat", "llama3.2"], ["ollama", "mistral"], ["ollama_chat", "qwen"]]);
  });

  it("router_settings.default_litellm_params fill what a deployment does not set, and are checked like litellm_params", () => {
    const loaded = parseConfigText(
      `model_list:
  - { model_name: a, litellm_params: { model: openai/a, api_base: "http://a.test/v1" } }
  - { model_name: b, litellm_params: { model: openai/b, api_base: "http://b.test/v1", timeout: 5, max_tokens: 10 } }
router_settings:
  default_litellm_params: { timeout: 30, max_tokens: 256, extra_headers: { X-Team: ops } }
`,
      "t",
      {},
    );
    expect(loaded.config.model_list.map((entry) => [entry.litellm_params.timeout, entry.litellm_params.max_tokens, entry.litellm_params.extra_headers])).toEqual([
      [30, 256, { "X-Team": "ops" }],
      [5, 10, { "X-Team": "ops" }],
    ]);
    expect(problemsOf("router_settings:\n  default_litellm_params: { temperature: warm, modle: x }\n")).toEqual([
      "router_settings.default_litellm_params.temperature: expected a number",
      "router_settings.default_litellm_params.modle: unknown key",
    ]);
  });

  it("router_settings.cache_responses turns the response cache on unless litellm_settings.cache says otherwise", () => {
    const on = parseConfigText("router_settings: { cache_responses: true }\n", "t", {});
    expect(on.config.litellm_settings.cache).toBe(true);
    expect(on.warnings).toContain("router_settings.cache_responses: translated to litellm_settings.cache: true");
    expect(parseConfigText("router_settings: { cache_responses: true }\nlitellm_settings: { cache: false }\n", "t", {}).config.litellm_settings.cache).toBe(false);
  });
});

describe("redis_connection_pool_limit", () => {
  const settingsFor = (limit: number | undefined) => {
    const loaded = parseConfigText(`router_settings:\n  redis_host: 127.0.0.1\n${limit === undefined ? "" : `  redis_connection_pool_limit: ${limit}\n`}`, "t", {});
    return { warnings: loaded.warnings, connections: routerRedisSettings(loaded.config, {})?.connections };
  };

  it("is honoured up to the pipelining cap, and a larger value says what is used instead", () => {
    expect(settingsFor(undefined)).toEqual({ warnings: [], connections: 4 });
    expect(settingsFor(MAX_REDIS_CONNECTIONS)).toEqual({ warnings: [], connections: MAX_REDIS_CONNECTIONS });
    const seed = settingsFor(50); // seed 002's value
    expect(seed.connections).toBe(MAX_REDIS_CONNECTIONS);
    expect(seed.warnings).toEqual([`router_settings.redis_connection_pool_limit: 50 → ${MAX_REDIS_CONNECTIONS} connections per process; Pharos pipelines Redis commands, so more connections would only add sockets`]);
  });
});

describe("deployment problems", () => {
  const build = (text: string) => buildDeployments(parseConfigText(text, "t", {}).config, {}, transports);

  it("names an unsupported provider and lists the supported ones", () => {
    const { problems } = build("model_list:\n  - model_name: a\n    litellm_params: { model: bedrock/claude }\n");
    expect(problems[0]).toMatch(/^model_list\[0\]\.litellm_params\.model: provider "bedrock" is not supported \(supported prefixes: openai\/, hosted_vllm\/, ollama\/, ollama_chat\/, gemini\/, voyage\/, fake\/\)$/);
  });

  it("requires api_base where the provider has no default", () => {
    expect(build("model_list:\n  - model_name: a\n    litellm_params: { model: hosted_vllm/llama }\n").problems).toEqual([
      "model_list[0].litellm_params.api_base: required for hosted_vllm/ models",
    ]);
  });

  it("rejects duplicate deployment ids", () => {
    const { problems } = build(`
model_list:
  - { model_name: a, litellm_params: { model: openai/gpt-4o }, model_info: { id: x } }
  - { model_name: a, litellm_params: { model: openai/gpt-4o-mini }, model_info: { id: x } }
`);
    expect(problems).toEqual(['model_list[1].model_info.id: "x" is already used by another deployment']);
  });

  it("gives deployments stable ids that do not depend on the key", () => {
    const one = build("model_list:\n  - { model_name: a, litellm_params: { model: openai/gpt-4o, api_key: k1 } }\n");
    const two = build("model_list:\n  - { model_name: a, litellm_params: { model: openai/gpt-4o, api_key: k2 } }\n");
    expect(one.table.all[0]?.id).toMatch(/^[0-9a-f]{16}$/);
    expect(one.table.all[0]?.id).toBe(two.table.all[0]?.id);
  });

  it("strips the query string from the api_base shown in headers", () => {
    const { table } = build("model_list:\n  - { model_name: a, litellm_params: { model: openai/gpt-4o, api_base: 'https://example.com/v1?api-version=2024' } }\n");
    expect(table.all[0]?.apiBaseForHeader).toBe("https://example.com/v1");
    expect(table.all[0]?.target).toMatchObject({ basePath: "/v1", baseQuery: "?api-version=2024" });
  });
});

describe("a config with schema problems and cross-reference problems", () => {
  const text = `
model_list:
  - model_name: a
    litellm_params: { model: openai/gpt-4o, rpm: -1 }
  - model_name: b
    litellm_params: { model: hosted_vllm/llama, api_base: not-a-url }
    model_info: { input_cost_per_tokn: 0.001 }
router_settings:
  num_retires: 2
  fallbacks: [{ a: [b, nope] }]
  model_group_alias: { gpt-4: missing }
`;

  it("lists every problem in one run: the schema's, then those of the checks run on what parsed", () => {
    expect(problemsOf(text)).toEqual([
      "model_list[0].litellm_params.rpm: expected an integer >= 1",
      "model_list[1].litellm_params.api_base: expected a URL",
      'router_settings.num_retires: unknown key (did you mean "num_retries"?)',
      'router_settings.fallbacks[0].a: fallback "nope" is not a model group in model_list',
      'router_settings.model_group_alias.gpt-4: "missing" is not a model group in model_list',
    ]);
  });

  it("keeps the warnings and what parsed for the checks that come later", () => {
    let error: ConfigError | undefined;
    try {
      parseConfigText(text, "t", {});
    } catch (caught) {
      error = caught as ConfigError;
    }
    expect(error?.warnings).toContain('model_list[1].model_info.input_cost_per_tokn: unknown key, kept as metadata (did you mean "input_cost_per_token"?)');
    expect(error?.partial?.removed).toEqual(["model_list[0].litellm_params.rpm", "model_list[1].litellm_params.api_base", "router_settings.num_retires"]);
    expect(error?.partial?.config.model_list.map((entry) => entry.model_name)).toEqual(["a", "b"]);
  });

  it("says nothing more when what parsed cannot be trusted (a model group without a name)", () => {
    expect(problemsOf("model_list:\n  - model_name: ''\n    litellm_params: { model: openai/x }\nrouter_settings:\n  fallbacks: [{ a: [nope] }]\n")).toEqual([
      "model_list[0].model_name: expected a non-empty model group name",
    ]);
  });

  it("reports an unset variable once, not again as the schema's complaint about os.environ/NAME", () => {
    expect(problemsOf("model_list:\n  - model_name: a\n    litellm_params: { model: hosted_vllm/x, api_base: os.environ/VLLM_BASE }\n")).toEqual([
      "model_list[0].litellm_params.api_base: environment variable VLLM_BASE is not set (referenced as os.environ/VLLM_BASE)",
    ]);
  });
});

describe("model_info keys Pharos does not read", () => {
  const load = (modelInfo: string) => parseConfigText(`model_list:\n  - model_name: a\n    litellm_params: { model: openai/gpt-4o }\n    model_info: ${modelInfo}\n`, "t", {});

  it("are kept, with one warning each naming the key Pharos reads when one is close", () => {
    const loaded = load("{ id: a-1, input_cost_per_tokn: 0.001, outputcost_per_token: 0.002, max_input_token: 8192 }");
    expect(loaded.warnings).toEqual([
      'model_list[0].model_info.input_cost_per_tokn: unknown key, kept as metadata (did you mean "input_cost_per_token"?)',
      'model_list[0].model_info.outputcost_per_token: unknown key, kept as metadata (did you mean "output_cost_per_token"?)',
      'model_list[0].model_info.max_input_token: unknown key, kept as metadata (did you mean "max_input_tokens"?)',
    ]);
    // Kept as written (LiteLLM's model_info is free-form), and the typo does not become a price.
    expect(loaded.config.model_list[0]?.model_info).toMatchObject({ id: "a-1", input_cost_per_tokn: 0.001 });
    expect(loaded.config.model_list[0]?.model_info?.input_cost_per_token).toBeUndefined();
  });

  it("are warned about as metadata when nothing known is close", () => {
    expect(load("{ supports_function_calling: true, team: search }").warnings).toEqual([
      "model_list[0].model_info.supports_function_calling: unknown key, kept as metadata (Pharos does not read it)",
      "model_list[0].model_info.team: unknown key, kept as metadata (Pharos does not read it)",
    ]);
  });

  it("leave the keys Pharos reads alone", () => {
    const known = "{ id: x, mode: chat, input_cost_per_token: 1, output_cost_per_token: 2, max_input_tokens: 3, max_output_tokens: 4, max_tokens: 5, base_model: gpt-4o, description: d }";
    expect(load(known).warnings).toEqual([]);
  });
});

describe("formatPath", () => {
  it("writes list indexes in brackets", () => {
    expect(formatPath(["model_list", 2, "litellm_params", "api_base"])).toBe("model_list[2].litellm_params.api_base");
    expect(formatPath([])).toBe("(root)");
  });
});
