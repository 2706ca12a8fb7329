import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { MIN_NODE, nodeVersionProblem } from "./node-version.ts";

describe("the Node.js version pharos needs", () => {
  it.each(["20.20.2", "18.0.0", "22.0.0", "22.18.9", "21.99.0"])("refuses %s, naming both versions", (version) => {
    expect(nodeVersionProblem(version)).toBe(`pharos needs Node.js >= 22.19 (this is v${version})`);
  });

  it("names the command that refuses", () => {
    expect(nodeVersionProblem("20.20.2", "pharos-load")).toBe("pharos-load needs Node.js >= 22.19 (this is v20.20.2)");
  });

  it.each(["22.19.0", "22.20.1", "23.0.0", "24.21.0", "30.1.0"])("takes %s", (version) => {
    expect(nodeVersionProblem(version)).toBeUndefined();
  });

  it("is package.json's engines.node", () => {
    const pkg = JSON.parse(readFileSync(resolve(import.meta.dirname, "../../package.json"), "utf8")) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(`>=${MIN_NODE.major}.${MIN_NODE.minor}.0`);
  });
});
