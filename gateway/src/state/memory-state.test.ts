import { describe, expect, it } from "vitest";
import { routerStateContract } from "../../test/router-state-contract.ts";
import { MemoryRouterState } from "./memory-state.ts";

routerStateContract("memory", async () => new MemoryRouterState());

describe("memory: one process", () => {
  it("counts every request at once, never reserving (the router's pick checks the exact counts)", () => {
    const state = new MemoryRouterState();
    const limits = { rpm: 1, tpm: undefined };
    expect(state.countRequest("d", limits, 0)).toBe(true);
    expect(state.countRequest("d", limits, 1)).toBe(true);
    expect(state.usage("d", 2)).toEqual({ minute: 0, requests: 2, tokens: 0 });
  });
});
