import { describe, expect, it } from "vitest";
import { StreamMeter } from "./stream-meter.ts";

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
const chunk = (content: string): string => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content } }] })}\n\n`;

describe("StreamMeter", () => {
  it("times the first content event and the gaps between content events", () => {
    const meter = new StreamMeter(1000);
    meter.feed(encode(`data: ${JSON.stringify({ choices: [{ delta: { role: "assistant", content: "" } }] })}\n\n`), 1010);
    meter.feed(encode(chunk("Hel")), 1050);
    meter.feed(encode(chunk("lo") + chunk(" world").slice(0, 10)), 1070);
    meter.feed(encode(chunk(" world").slice(10)), 1100);
    meter.feed(encode(`data: ${JSON.stringify({ choices: [], usage: { completion_tokens: 3 } })}\n\ndata: [DONE]\n\n`), 1110);
    expect(meter.result()).toEqual({ ttftMs: 50, gapsMs: [20, 30], outputTokens: 3, error: undefined });
  });

  it("reads legacy completions text and reports in-band errors", () => {
    const meter = new StreamMeter(0);
    meter.feed(encode(`data: ${JSON.stringify({ choices: [{ text: "x" }] })}\n\n`), 5);
    meter.feed(encode(`data: ${JSON.stringify({ error: { message: "upstream died" } })}\n\n`), 9);
    expect(meter.result()).toMatchObject({ ttftMs: 5, error: "upstream died" });
  });
});
