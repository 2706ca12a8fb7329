import { describe, expect, it } from "vitest";
import { LANGUAGES } from "./kinds.ts";
import { blockMessage, messageTable, negotiateLanguage } from "./messages.ts";

describe("negotiateLanguage", () => {
  it.each([
    [undefined, "en"],
    ["", "en"],
    ["vi-VN,vi;q=0.9,en-US;q=0.8", "vi"],
    ["fr-CA", "fr"],
    ["de;q=0.5, es;q=0.8", "es"],
    ["ja", "ja"],
    ["zh-TW,zh;q=0.9", "zh"],
    ["ko-KR, fr;q=0.3", "fr"],
    ["pt-BR", "en"],
    ["*", "en"],
    ["en;q=0, de", "de"],
  ])("%s → %s", (header, language) => {
    expect(negotiateLanguage(header)).toBe(language);
  });
});

describe("block messages", () => {
  it("exist in every language for every reason of each phase", () => {
    const table = messageTable();
    for (const language of LANGUAGES) {
      expect(Object.keys(table[language].input).sort(), language).toEqual(Object.keys(table.en.input).sort());
      expect(Object.keys(table[language].output).sort(), language).toEqual(Object.keys(table.en.output).sort());
    }
  });

  it("name the guardrail and fill parameters, in the chosen language", () => {
    expect(blockMessage("en", "input", "token_limit", "TokenLimit", { limit: 4096 })).toBe("Your request is too long: it exceeds the limit of 4096 tokens. (guardrail: TokenLimit)");
    expect(blockMessage("de", "output", "code", "NoCode")).toBe("Die Antwort des Modells enthielt Code, der hier nicht erlaubt ist. (guardrail: NoCode)");
    expect(blockMessage("ja", "input", "secret", "Secrets")).toContain("秘密情報");
    expect(blockMessage("zh", "output", "refusal", "NoRefusal")).toBe("模型拒绝回答此请求。 (guardrail: NoRefusal)");
  });

  it("fall back to the other phase's message for a reason the phase does not have", () => {
    expect(blockMessage("fr", "output", "secret", "Secrets")).toContain("secret");
  });
});
