import { describe, expect, it } from "vitest";
import { routeLabelOf } from "./route-labels.ts";

describe("route labels", () => {
  it.each([
    ["/v1/chat/completions", "chat_completions"],
    ["/chat/completions", "chat_completions"],
    ["/v1/embeddings", "embeddings"],
    ["/v1/models/gpt-4o", "models"],
    ["/health/readiness", "health"],
    ["/key/generate", "key_admin"],
    ["/spend/logs", "spend_admin"],
    ["/v1/model/info", "model_admin"],
    ["/v1/chat/completions/extra", "unmatched"],
    ["/wp-admin", "unmatched"],
  ])("%s → %s", (path, label) => {
    expect(routeLabelOf(path)).toBe(label);
  });
});
