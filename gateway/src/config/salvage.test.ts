import { z } from "zod";
import { describe, expect, it } from "vitest";
import { problemsOutside, salvage } from "./salvage.ts";

const schema = z.strictObject({
  model_list: z.array(z.strictObject({ model_name: z.string().min(1), params: z.strictObject({ rpm: z.number().optional(), tags: z.array(z.string()).optional() }).default({}) })).default([]),
  settings: z.strictObject({ retries: z.number().optional(), fallbacks: z.array(z.record(z.string(), z.array(z.string()))).optional() }).default({}),
});

describe("salvaging what parsed of a config", () => {
  it("takes out unknown keys and refused values, and says which", () => {
    const data = { model_list: [{ model_name: "a", params: { rpm: "fast" } }], settings: { retires: 2, retries: 1 } };
    expect(salvage(schema, data)).toEqual({
      value: { model_list: [{ model_name: "a", params: {} }], settings: { retries: 1 } },
      removed: ["model_list[0].params.rpm", "settings.retires"],
    });
    // The caller's data is left as it was.
    expect(data.settings.retires).toBe(2);
  });

  it("takes a refused list item out with the key that holds the list, once for several items", () => {
    const data = { model_list: [{ model_name: "a", params: { tags: [1, { x: 2 }, "ok"] } }], settings: { fallbacks: [{ a: ["b", 3] }] } };
    expect(salvage(schema, data)).toEqual({
      value: { model_list: [{ model_name: "a", params: {} }], settings: { fallbacks: [{}] } },
      removed: ["model_list[0].params.tags", "settings.fallbacks[0].a"],
    });
  });

  it("gives up rather than take out a model_list entry, model_list itself or a required key", () => {
    expect(salvage(schema, { model_list: ["a"] })).toBeUndefined();
    expect(salvage(schema, { model_list: "a" })).toBeUndefined();
    expect(salvage(schema, { model_list: [{ model_name: "" }] })).toBeUndefined();
    expect(salvage(schema, { model_list: [{ params: {} }] })).toBeUndefined();
  });

  it("takes out a whole section other than model_list, which then takes its default", () => {
    expect(salvage(schema, { settings: 5 })).toEqual({ value: { model_list: [], settings: {} }, removed: ["settings"] });
  });
});

describe("problems outside what was taken out", () => {
  const removed = ["model_list[0].params", "settings.fallbacks[0].a"];

  it("drops problems at or under a path taken out, keeps the rest", () => {
    expect(
      problemsOutside(removed, [
        "model_list[0].params: required",
        "model_list[0].params.model: required",
        "settings.fallbacks[0].a: fallback x is not a model group",
        "model_list[0].params_extra: kept (a sibling, not a child)",
        "model_list[1].params.model: kept",
        "settings.fallbacks[0].ab: kept",
      ]),
    ).toEqual(["model_list[0].params_extra: kept (a sibling, not a child)", "model_list[1].params.model: kept", "settings.fallbacks[0].ab: kept"]);
  });
});
