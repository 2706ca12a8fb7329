import { describe, expect, it } from "vitest";
import { GatewayError } from "../errors.ts";
import { boundedText } from "./call-upstream.ts";
import type { UpstreamResponse } from "./transport.ts";

/** A chunked response (no content-length) that counts the chunks read and records a discard. */
function chunked(chunks: readonly (string | Uint8Array)[], headers: Record<string, string> = {}): UpstreamResponse & { readonly seen: { read: number; discarded: boolean } } {
  const seen = { read: 0, discarded: false };
  async function* body(): AsyncGenerator<string | Uint8Array> {
    for (const chunk of chunks) {
      seen.read++;
      yield chunk;
    }
  }
  return { status: 200, headers, body: body(), text: () => Promise.reject(new Error("not used")), discard: () => void (seen.discarded = true), seen };
}

describe("boundedText (general_settings.max_response_size_mb)", () => {

  it("joins chunks (strings and bytes, UTF-8 split across them) up to the limit", async () => {
    const euro = Buffer.from("€");
    expect(await boundedText(chunked(["ab", euro.subarray(0, 1), euro.subarray(1), "c"]), 10, "d1")).toBe("ab€c");
  });

  it("stops reading at the first chunk past the limit and discards the rest", async () => {
    const response = chunked(["12345", "67890", "X", "never read"]);
    const error = await boundedText(response, 10, "d1").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: "upstream_response_too_large", status: 502 });
    expect((error as GatewayError).message).toBe("The response of deployment d1 is larger than general_settings.max_response_size_mb (0.00000954 MB): more than 10 bytes");
    expect(response.seen.read).toBe(3);
    expect(response.seen.discarded).toBe(true);
  });

  it("refuses at once when content-length already says too much", async () => {
    const response = chunked(["x"], { "content-length": "11" });
    await expect(boundedText(response, 10, "d1")).rejects.toMatchObject({ code: "upstream_response_too_large" });
    expect(response.seen.read).toBe(0);
    expect(response.seen.discarded).toBe(true);
  });
});
