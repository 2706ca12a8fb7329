import { describe, expect, it } from "vitest";
import { RUN_FLAGS } from "./flag-spec.ts";
import { FlagValues } from "./flag-values.ts";
import { parseLocustConf } from "./locust-conf.ts";
import { parseArgv } from "./parse-argv.ts";
import { runOptions } from "./run-options.ts";
import { parseTimespan } from "./timespan.ts";
import { UsageError } from "./usage-error.ts";

function flags(argv: string[], env: Record<string, string> = {}, conf = ""): FlagValues {
  return new FlagValues(RUN_FLAGS, parseArgv(argv, RUN_FLAGS), env, conf === "" ? [] : [{ path: "locust.conf", entries: parseLocustConf(conf, "locust.conf") }]);
}

describe("Locust precedence: config file < environment < command line", () => {
  it("takes each flag from the highest layer that sets it", () => {
    const values = flags(["-u", "30"], { LOCUST_USERS: "20", LOCUST_SPAWN_RATE: "4" }, "users = 10\nspawn-rate = 2\nrun_time = 1m\nheadless\n");
    expect(values.number("users")).toBe(30);
    expect(values.number("spawn-rate")).toBe(4);
    expect(values.seconds("run-time")).toBe(60);
    expect(values.bool("headless")).toBe(true);
  });

  it("accepts argparse spellings: --flag=value, -xVALUE, repeated lists", () => {
    const values = flags(["--users=5", "-r2.5", "--threshold", "p99<500", "--threshold=fail_rate<0.01"]);
    expect(values.number("users")).toBe(5);
    expect(values.number("spawn-rate")).toBe(2.5);
    expect(values.list("threshold")).toEqual(["p99<500", "fail_rate<0.01"]);
  });

  it("reads lists from locust.conf and the environment", () => {
    expect(flags([], {}, "threshold = [p99<500, fail_rate<0.01]").list("threshold")).toEqual(["p99<500", "fail_rate<0.01"]);
    expect(flags([], { PHAROS_LOAD_THRESHOLDS: "p99<500; p50<100" }).list("threshold")).toEqual(["p99<500", "p50<100"]);
  });
});

describe("clear errors", () => {
  it("rejects unknown flags, suggesting the closest", () => {
    expect(() => flags(["--spawnrate", "3"])).toThrow(/unknown flag --spawnrate \(did you mean --spawn-rate\?\)/);
    expect(() => flags(["-x"])).toThrow(UsageError);
    expect(() => flags(["--worker"])).toThrow(/Locust option for distributed mode/);
  });

  it("rejects unknown keys in locust.conf with file and line", () => {
    expect(() => flags([], {}, "users = 3\nbogus-option = 1\n")).toThrow(/locust\.conf:2: unknown flag --bogus-option/);
  });

  it("names the source of a bad value", () => {
    expect(() => flags([], { LOCUST_USERS: "ten" }).number("users")).toThrow('invalid value for -u/--users from LOCUST_USERS: "ten" is not an integer');
    expect(() => flags(["-t", "5x"]).seconds("run-time")).toThrow(/-t\/--run-time from the command line: "5x" is not a time span/);
    expect(() => flags(["-L", "LOUD"]).string("loglevel")).toThrow(/not one of DEBUG, INFO/);
    expect(() => flags(["-u"])).toThrow("-u needs a value (N)");
  });

  it("rejects a bad boolean from any source when the values are built, though the flag is never read", () => {
    expect(() => flags(["--headless=maybe"])).toThrow('invalid value for --headless from the command line: "maybe" is not a boolean (true/false, yes/no, on/off, 1/0)');
    expect(() => flags([], { LOCUST_HEADLESS: "xyz" })).toThrow('invalid value for --headless from LOCUST_HEADLESS: "xyz" is not a boolean');
    expect(() => flags([], {}, "users = 2\nonly-summary = nah\n")).toThrow('invalid value for --only-summary from locust.conf:2: "nah" is not a boolean');
    expect(() => flags([], { LOCUST_CSV_FULL_HISTORY: "2" })).toThrow(UsageError);
  });

  it("accepts configargparse's boolean spellings and a bare flag", () => {
    expect(["yes", "ON", "1", "true"].map((value) => flags([`--headless=${value}`]).bool("headless"))).toEqual([true, true, true, true]);
    expect(["no", "Off", "0", "false"].map((value) => flags([], { LOCUST_HEADLESS: value }).bool("headless"))).toEqual([false, false, false, false]);
    expect(flags(["--headless"]).bool("headless")).toBe(true);
  });

  it("checks flags the chosen load model does not read", () => {
    expect(() => flags(["--arrival", "bursty"])).toThrow(/--arrival from the command line: "bursty" is not one of constant, poisson/);
    expect(() => flags(["--rate", "5", "-u", "ten"])).toThrow(/-u\/--users from the command line: "ten" is not an integer/);
    expect(() => flags([], { PHAROS_LOAD_MAX_LATENESS: "soon" })).toThrow(/--max-lateness from PHAROS_LOAD_MAX_LATENESS: "soon" is not a time span/);
  });

  it("enforces Locust's own rules", () => {
    expect(() => runOptions(flags(["--csv-full-history"]))).toThrow("'--csv-full-history' requires '--csv'.");
    expect(() => runOptions(flags(["-r", "0"]))).toThrow(/spawn-rate.*not > 0/);
    expect(() => runOptions(flags(["--threshold", "p99 < soon"]))).toThrow(/invalid threshold/);
  });
});

describe("run options", () => {
  it("chooses the open model when --rate is given and says what it ignores", () => {
    const options = runOptions(flags(["--rate", "50", "--arrival", "poisson", "--max-lateness", "250ms"], { LOCUST_USERS: "100" }));
    expect(options.plan).toEqual({ kind: "open", rate: 50, arrival: "poisson", maxInFlight: 1000, maxLatenessMs: 250 });
    expect(options.notes.join()).toMatch(/ignoring --users/);
  });

  it("has Locust's defaults", () => {
    const options = runOptions(flags([]));
    expect(options.plan).toEqual({ kind: "closed", users: 1, spawnRate: 1 });
    expect([options.stopTimeoutS, options.exitCodeOnError, options.loglevel, options.runTimeS]).toEqual([0, 1, "INFO", undefined]);
  });
});

describe("parseTimespan", () => {
  it("parses Locust's forms", () => {
    expect(["20", "20s", "3m", "2h", "1h30m", "3h30m10s"].map(parseTimespan)).toEqual([20, 20, 180, 7200, 5400, 12610]);
    expect(() => parseTimespan("1.5m")).toThrow(/Invalid time span/);
  });
});
