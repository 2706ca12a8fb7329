import { describe, expect, it } from "vitest";
import { hasLimits, leaseChange, leaseTarget } from "./lease-policy.ts";
import type { LeaseInputs } from "./lease-policy.ts";

const base: LeaseInputs = { rpm: 1000, tpm: undefined, granted: 0, tokens: 0, leased: 0, instances: 2, requestsPerInterval: 5, tokensPerRequest: 0 };

describe("lease policy: what an instance may send without asking Redis", () => {
  it("covers two intervals of recent traffic while the limit is far away", () => {
    expect(leaseTarget(base)).toBe(10);
    expect(leaseTarget({ ...base, requestsPerInterval: 0.3 })).toBe(1);
  });

  it("holds nothing for an idle deployment (its next request is reserved)", () => {
    expect(leaseTarget({ ...base, requestsPerInterval: 0 })).toBe(0);
  });

  it("never takes more than half an equal share of what is left of the minute", () => {
    // 1000 - 900 counted + 4 of them our own unused lease = 104 unsent; 2 instances → at most 26.
    expect(leaseTarget({ ...base, granted: 900, leased: 4, requestsPerInterval: 100 })).toBe(26);
    expect(leaseTarget({ ...base, granted: 900, leased: 4, requestsPerInterval: 100, instances: 4 })).toBe(13);
  });

  it("is 0 near the rpm limit (fewer than 2 × instances left), so every request is reserved", () => {
    expect(leaseTarget({ ...base, rpm: 4, requestsPerInterval: 6 })).toBe(1);
    expect(leaseTarget({ ...base, rpm: 4, granted: 1, requestsPerInterval: 6 })).toBe(0);
    expect(leaseTarget({ ...base, rpm: 100, granted: 97, requestsPerInterval: 6 })).toBe(0);
    expect(leaseTarget({ ...base, rpm: 100, granted: 100, requestsPerInterval: 6 })).toBe(0);
    // Counted beyond the limit (requests sent while Redis was down): still 0, never negative.
    expect(leaseTarget({ ...base, rpm: 100, granted: 130, requestsPerInterval: 6 })).toBe(0);
  });

  it("is 0 when the minute's tokens are within the margin of tpm", () => {
    const tpm = { ...base, rpm: undefined, tpm: 10_000 };
    expect(leaseTarget(tpm)).toBe(10);
    // 10 % of tpm: 1,000 tokens.
    expect(leaseTarget({ ...tpm, tokens: 8_999 })).toBe(10);
    expect(leaseTarget({ ...tpm, tokens: 9_000 })).toBe(0);
    // Large responses: what the instances' leases could spend (2 × 10 × 200 = 4,000) is the margin.
    expect(leaseTarget({ ...tpm, tokens: 5_000, tokensPerRequest: 200 })).toBe(10);
    expect(leaseTarget({ ...tpm, tokens: 6_000, tokensPerRequest: 200 })).toBe(0);
  });

  it("asks for more once half the target is used, gives back what is no longer needed at once", () => {
    expect(leaseChange(10, 0, 0)).toBe(10);
    expect(leaseChange(10, 6, 0)).toBe(0);
    expect(leaseChange(10, 5, 0)).toBe(5);
    expect(leaseChange(10, 2, 3)).toBe(5);
    expect(leaseChange(10, 0, 10)).toBe(0);
    expect(leaseChange(0, 3, 0)).toBe(-3);
    expect(leaseChange(2, 3, 4)).toBe(-1);
    expect(leaseChange(0, 0, 0)).toBe(0);
  });

  it("knows a deployment without rpm and tpm needs none of this", () => {
    expect(hasLimits({ rpm: undefined, tpm: undefined })).toBe(false);
    expect(hasLimits({ rpm: 0, tpm: undefined })).toBe(true);
    expect(hasLimits({ rpm: undefined, tpm: 5 })).toBe(true);
  });
});
