/**
 * The behaviour every RouterState implementation shares (memory, Redis), as one suite run
 * against each (hono's habit: one test suite, every implementation).
 */
import { describe, expect, it } from "vitest";
import type { RouterState } from "../src/state/router-state.ts";

const MINUTE = 60_000;
/** A fixed instant early in a minute (a state's own clock, where it has one, reads this). */
export const T0 = 1_700_000_040_000 - (1_700_000_040_000 % MINUTE) + 5_000;

export function routerStateContract(name: string, make: () => Promise<RouterState>): void {
  describe(`${name}: the RouterState contract`, () => {
    it("keeps a cooldown until it ends, the longer of two winning", async () => {
      const state = await make();
      expect(state.cooldown("d1", T0)).toBeUndefined();
      state.startCooldown("d1", { until: T0 + 5000, reason: "upstream_server_error: boom" });
      state.startCooldown("d1", { until: T0 + 1000, reason: "shorter" });
      expect(state.cooldown("d1", T0 + 4999)).toEqual({ until: T0 + 5000, reason: "upstream_server_error: boom" });
      expect(state.cooldown("d1", T0 + 5000)).toBeUndefined();
      expect(state.cooldown("d2", T0)).toBeUndefined();
      await state.close();
    });

    it("counts failures per bucket within a window that starts at the first failure", async () => {
      const state = await make();
      expect(state.countFailure("d1", "all", 1000, T0)).toBe(1);
      expect(state.countFailure("d1", "all", 1000, T0 + 500)).toBe(2);
      expect(state.countFailure("d1", "RateLimitError", 1000, T0 + 500)).toBe(1);
      expect(state.countFailure("d1", "all", 1000, T0 + 1001)).toBe(1);
      state.clearFailures("d1");
      expect(state.countFailure("d1", "RateLimitError", 1000, T0 + 600)).toBe(1);
      await state.close();
    });

    it("counts requests and tokens per deployment for the current minute only", async () => {
      const state = await make();
      state.addUsage("d1", 1, 0, T0);
      state.addUsage("d1", 0, 120, T0 + 10);
      state.addUsage("d2", 1, 5, T0);
      expect(state.usage("d1", T0 + 20)).toMatchObject({ requests: 1, tokens: 120 });
      expect(state.usage("d2", T0 + 20)).toMatchObject({ requests: 1, tokens: 5 });
      expect(state.usage("d1", T0 + MINUTE)).toMatchObject({ requests: 0, tokens: 0 });
      await state.close();
    });

    it("counts a request sent below its limits at once or after a reservation, and a deployment without limits at once", async () => {
      const state = await make();
      expect(await state.countRequest("d1", { rpm: 10, tpm: 1000 }, T0)).toBe(true);
      expect(await state.countRequest("d1", { rpm: 10, tpm: undefined }, T0 + 10)).toBe(true);
      expect(state.countRequest("d2", { rpm: undefined, tpm: undefined }, T0)).toBe(true);
      expect(state.usage("d1", T0 + 20)).toMatchObject({ requests: 2 });
      expect(state.usage("d2", T0 + 20)).toMatchObject({ requests: 1 });
      await state.close();
    });

    it("tracks requests in flight and never goes below zero", async () => {
      const state = await make();
      state.acquire("d1");
      state.acquire("d1");
      expect(state.inFlight("d1")).toBe(2);
      state.release("d1");
      state.release("d1");
      state.release("d1");
      expect(state.inFlight("d1")).toBe(0);
      await state.close();
    });
  });
}
