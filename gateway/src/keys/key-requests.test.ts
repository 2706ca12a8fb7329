import { describe, expect, it } from "vitest";
import { GatewayError } from "../errors.ts";
import { hashKey } from "../middleware/authenticate.ts";
import { durationSeconds } from "./duration.ts";
import { checkModels, deleteKeysSchema, generateKeySchema, keyHashOf, metadataWithGuardrails, parseBody, updateKeySchema } from "./key-requests.ts";

function rejection(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error("expected a GatewayError");
}

describe("durations", () => {
  it.each([
    ["30s", 30],
    ["10m", 600],
    ["24h", 86_400],
    ["7d", 604_800],
    ["2w", 1_209_600],
    ["1mo", 2_592_000],
    ["90", 90],
    [45, 45],
    ["1.5h", 5400],
  ])("%s is %d seconds", (value, seconds) => {
    expect(durationSeconds(value)).toBe(seconds);
  });

  it.each(["", "abc", "10x", "-5m", "0s", "m10", 0, -1])("%s is not a duration", (value) => {
    expect(durationSeconds(value)).toBeUndefined();
  });
});

describe("key request bodies", () => {
  it("accept LiteLLM's /key/generate fields", () => {
    const body = parseBody(generateKeySchema, {
      models: ["gpt-mock"],
      duration: "30d",
      max_budget: 10,
      budget_duration: "1mo",
      rpm_limit: 60,
      tpm_limit: 1000,
      max_parallel_requests: 2,
      metadata: { team: "search" },
      key_alias: "search-prod",
    });
    expect(body).toMatchObject({ models: ["gpt-mock"], duration: "30d", max_budget: 10, rpm_limit: 60 });
  });

  it.each([
    [{ max_budget: -1 }, "max_budget", "expected a number >= 0"],
    [{ max_budget: "ten" }, "max_budget", "expected a number >= 0"],
    [{ duration: "forever" }, "duration", 'expected a duration such as "30s"'],
    [{ budget_duration: "1y" }, "budget_duration", "expected a duration"],
    [{ rpm_limit: 1.5 }, "rpm_limit", "expected an integer >= 0"],
    [{ tpm_limit: -3 }, "tpm_limit", "expected an integer >= 0"],
    [{ tpm_limit: 1e12 }, "tpm_limit", "expected an integer <= 2147483647"],
    [{ models: "gpt-mock" }, "models", "expected a list of model group names"],
    [{ metadata: [1] }, "metadata", "expected an object"],
    [{ key_alias: "" }, "key_alias", "expected a non-empty string"],
    [{ key: "plain" }, "key", "expected 'sk-' followed by"],
    [{ spend: 5 }, "spend", "not a field Pharos accepts here"],
    // seconds are stored in an integer column: 24,856 days no longer fit
    [{ budget_duration: "24856d" }, "budget_duration", "expected at most 2147483647 seconds (about 68 years) (got 2147558400 s)"],
    // under a second rounded to 0: a budget reset on every call
    [{ budget_duration: "0.4s" }, "budget_duration", "expected at least 1 second (got 0.4 s)"],
    [{ budget_duration: 0.5 }, "budget_duration", "expected at least 1 second (got 0.5 s)"],
    // an expiry past any date
    [{ duration: "100000000000000d" }, "duration", "expected at most 100 years"],
    [{ duration: 3_200_000_000 }, "duration", "expected at most 100 years (got 3200000000 s)"],
    [{ duration: "0.2s" }, "duration", "expected at least 1 second"],
  ])("reject %j with a 400 naming '%s'", (body, param, message) => {
    const error = rejection(() => parseBody(generateKeySchema, body));
    expect(error.status).toBe(400);
    expect(error.param).toBe(param);
    expect(error.message).toContain(message);
  });

  it("take durations up to their bounds", () => {
    expect(parseBody(generateKeySchema, { duration: "1s", budget_duration: "24855d" })).toMatchObject({ duration: "1s", budget_duration: "24855d" });
    expect(parseBody(generateKeySchema, { duration: 3_155_760_000, budget_duration: 2_147_483_647 })).toMatchObject({ duration: 3_155_760_000 });
    expect(parseBody(updateKeySchema, { key: "sk-x", budget_duration: "1s", duration: null })).toEqual({ key: "sk-x", budget_duration: "1s", duration: null });
    expect(rejection(() => parseBody(updateKeySchema, { key: "sk-x", budget_duration: "0.4s" })).param).toBe("budget_duration");
  });

  it("lists every problem in one message", () => {
    const error = rejection(() => parseBody(generateKeySchema, { max_budget: -1, rpm_limit: "x" }));
    expect(error.message).toContain("'max_budget'");
    expect(error.message).toContain("'rpm_limit'");
  });

  it("/key/update needs the key; null clears a field", () => {
    expect(rejection(() => parseBody(updateKeySchema, { max_budget: 1 })).param).toBe("key");
    expect(parseBody(updateKeySchema, { key: "sk-x", max_budget: null })).toEqual({ key: "sk-x", max_budget: null });
  });

  it("/key/delete needs keys or aliases", () => {
    expect(rejection(() => parseBody(deleteKeysSchema, {})).param).toBe("keys");
    expect(rejection(() => parseBody(deleteKeysSchema, { keys: [] })).param).toBe("keys");
    expect(parseBody(deleteKeysSchema, { key_aliases: ["a"] })).toEqual({ key_aliases: ["a"] });
  });
});

describe("a key's guardrails", () => {
  it("fold LiteLLM's top-level list into metadata.guardrails, keeping the rest", () => {
    expect(parseBody(generateKeySchema, { guardrails: ["no-secrets"] }).guardrails).toEqual(["no-secrets"]);
    expect(metadataWithGuardrails({ team: "a" }, ["no-secrets", "pii"])).toEqual({ team: "a", guardrails: ["no-secrets", "pii"] });
    expect(metadataWithGuardrails({ team: "a", guardrails: ["old"] }, null)).toEqual({ team: "a" });
    expect(metadataWithGuardrails({ team: "a", guardrails: ["old"] }, undefined)).toEqual({ team: "a", guardrails: ["old"] });
  });

  it("must be a list of names", () => {
    expect(() => parseBody(generateKeySchema, { guardrails: "no-secrets" })).toThrow("'guardrails': expected a list of guardrail names");
  });
});

describe("models of a key", () => {
  const known = new Set(["gpt-mock", "embed-mock"]);
  it("must be known model groups (400 naming the index)", () => {
    const error = rejection(() => checkModels(["gpt-mock", "gpt-nope"], known));
    expect(error.param).toBe("models[1]");
    expect(error.message).toContain("unknown model group 'gpt-nope'. Available model groups: embed-mock, gpt-mock");
  });
  it("'all-proxy-models' means every group; duplicates fold", () => {
    expect(checkModels(["all-proxy-models"], known)).toEqual([]);
    expect(checkModels(["gpt-mock", "gpt-mock"], known)).toEqual(["gpt-mock"]);
    expect(checkModels(undefined, known)).toBeUndefined();
  });
});

describe("keys and tokens", () => {
  it("a token is kept, a key is hashed", () => {
    const token = hashKey("sk-abc");
    expect(keyHashOf(token)).toBe(token);
    expect(keyHashOf("sk-abc")).toBe(token);
  });
});
