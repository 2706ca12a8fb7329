import { describe, expect, it } from "vitest";
import type { AuthContext } from "../request-state.ts";
import { ALLOW } from "./scanner.ts";
import type { Phase, Scanner } from "./scanner.ts";
import { GuardrailCatalog, parseControl } from "./selection.ts";

const scanner = (name: string, phase: Phase): Scanner => ({ name, kind: "ban_substrings", phase, failMode: "closed", roles: "all", scan: () => ALLOW });
const input = [scanner("pii", "input"), scanner("injection", "input"), scanner("banned", "input")];
const output = [scanner("banned", "output"), scanner("no-code", "output")];
const warnings: string[] = [];
const catalog = new GuardrailCatalog(input, output, new Set(["injection", "banned"]), (message) => warnings.push(message));

const key = (metadata?: Record<string, unknown>): AuthContext => ({ kind: "virtual", keyHash: "h", keyAlias: undefined, models: undefined, metadata });
const names = (selection: { input: readonly Scanner[]; output: readonly Scanner[] }): string[] => [...selection.input.map((item) => `in:${item.name}`), ...selection.output.map((item) => `out:${item.name}`)];

describe("parseControl", () => {
  it("reads a list of names or a {name: boolean} mapping, and nothing else", () => {
    expect(parseControl(["a", "b"])).toEqual({ enable: ["a", "b"], disable: [] });
    expect(parseControl({ a: true, b: false })).toEqual({ enable: ["a"], disable: ["b"] });
    expect(parseControl(undefined)).toEqual({ enable: [], disable: [] });
    expect(parseControl("a")).toBeUndefined();
    expect(parseControl([1])).toBeUndefined();
    expect(parseControl({ a: "yes" })).toBeUndefined();
  });
});

describe("GuardrailCatalog.select", () => {
  it("runs the default-on guardrails when nothing asks otherwise (the same precomputed selection)", () => {
    expect(names(catalog.select(key(), undefined, undefined))).toEqual(["in:injection", "in:banned", "out:banned"]);
    expect(catalog.select(undefined, undefined, undefined)).toBe(catalog.defaults);
  });

  it("adds the guardrails a request names (body field or metadata.guardrails)", () => {
    expect(names(catalog.select(key(), ["pii"], undefined))).toEqual(["in:pii", "in:injection", "in:banned", "out:banned"]);
    expect(names(catalog.select(key(), undefined, { guardrails: ["no-code"] }))).toEqual(["in:injection", "in:banned", "out:banned", "out:no-code"]);
  });

  it("rejects unknown names and malformed values with a 400 that lists the configured ones", () => {
    expect(() => catalog.select(key(), ["nope"], undefined)).toThrow(/Unknown guardrail 'nope'. Configured guardrails: pii, injection, banned, no-code/);
    expect(() => catalog.select(key(), "pii", undefined)).toThrow(expect.objectContaining({ code: "invalid_request", status: 400 }));
  });

  it("lets a key's metadata turn guardrails on and off", () => {
    expect(names(catalog.select(key({ guardrails: ["no-code"] }), undefined, undefined))).toEqual(["in:injection", "in:banned", "out:banned", "out:no-code"]);
    expect(names(catalog.select(key({ guardrails: { injection: false, pii: true } }), undefined, undefined))).toEqual(["in:pii", "in:banned", "out:banned"]);
  });

  it("ignores unknown names in key metadata, with one warning", () => {
    warnings.length = 0;
    catalog.select(key({ guardrails: ["ghost"] }), undefined, undefined);
    catalog.select(key({ guardrails: ["ghost"] }), undefined, undefined);
    expect(warnings).toEqual(['a key\'s metadata.guardrails names unknown guardrail "ghost"; ignored']);
  });

  it("lets a request turn a guardrail off only with the master key, an open gateway or an allowed key", () => {
    expect(() => catalog.select(key(), { injection: false }, undefined)).toThrow(expect.objectContaining({ code: "permission_denied", status: 403 }));
    const master: AuthContext = { kind: "master", keyHash: "m", keyAlias: "master", models: undefined, metadata: undefined };
    expect(names(catalog.select(master, { injection: false }, undefined))).toEqual(["in:banned", "out:banned"]);
    expect(names(catalog.select(key({ allow_guardrail_override: true }), { banned: false }, undefined))).toEqual(["in:injection"]);
  });
});
