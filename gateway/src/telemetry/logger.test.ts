import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { logLevelFrom, REDACT_PATHS } from "./logger.ts";

describe("log level", () => {
  it("follows LITELLM_LOG, with ERROR as the production default", () => {
    expect(logLevelFrom({ LITELLM_LOG: "DEBUG" })).toBe("debug");
    expect(logLevelFrom({ LITELLM_LOG: "warning" })).toBe("warn");
    expect(logLevelFrom({ LITELLM_LOG: "ERROR" })).toBe("error");
    expect(logLevelFrom({})).toBe("info");
    expect(logLevelFrom({ LITELLM_MODE: "PRODUCTION" })).toBe("error");
    expect(logLevelFrom({ LITELLM_MODE: "PRODUCTION", LITELLM_LOG: "INFO" })).toBe("info");
    expect(logLevelFrom({}, true)).toBe("debug");
  });
});

describe("redaction", () => {
  it("hides keys and Authorization headers wherever they sit", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = pino({ redact: { paths: REDACT_PATHS, censor: "[redacted]" } }, sink);
    logger.info({ headers: { authorization: "Bearer sk-secret-1" }, litellm_params: { api_key: "sk-secret-2" }, master_key: "sk-secret-3", password: "pw" }, "boot");
    const line = lines.join("");
    expect(line).not.toMatch(/sk-secret|"pw"/);
    expect(line.match(/\[redacted\]/g)).toHaveLength(4);
  });
});
