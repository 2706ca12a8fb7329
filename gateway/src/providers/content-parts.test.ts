import { describe, expect, it } from "vitest";
import { inlineImage, inlineImagesOf, partKind, TEXT_AND_INLINE_IMAGES, unsendableContent } from "./content-parts.ts";
import type { ContentSupport, ContentTarget } from "./content-parts.ts";
import type { ChatMessage, ChatRequest } from "./openai-types.ts";

const PNG = "data:image/png;base64,iVBORw0KGgo=";

describe("content parts", () => {
  it("tell inline images from images by URL, whichever form image_url takes", () => {
    expect(inlineImage({ type: "image_url", image_url: { url: PNG } })).toEqual({ mimeType: "image/png", data: "iVBORw0KGgo=" });
    expect(inlineImage({ type: "image_url", image_url: "data:IMAGE/JPEG;base64,/9j/4A==" })).toEqual({ mimeType: "image/jpeg", data: "/9j/4A==" });
    expect(inlineImage({ type: "image_url", image_url: { url: "https://example.com/cat.png" } })).toBeUndefined();
    expect(inlineImage({ type: "image_url", image_url: { url: "data:image/png,rawbytes" } })).toBeUndefined();
    expect(partKind({ type: "text", text: "hi" })).toBe("text");
    expect(partKind({ type: "image_url", image_url: { url: PNG } })).toBe("inline_image");
    expect(partKind({ type: "image_url", image_url: { url: "https://example.com/cat.png" } })).toBe("image_url");
    expect(partKind({ type: "input_audio", input_audio: { data: "x", format: "wav" } })).toBe("input_audio");
  });

  it("collect every inline image of a conversation in order", () => {
    const messages: ChatMessage[] = [
      { role: "user", content: [{ type: "image_url", image_url: { url: PNG } }, { type: "text", text: "and" }] },
      { role: "assistant", content: "ok" },
      { role: "user", content: [{ type: "image_url", image_url: { url: "data:image/jpeg;base64,AAAA" } }] },
    ];
    expect(inlineImagesOf(messages).map((image) => image.data)).toEqual(["iVBORw0KGgo=", "AAAA"]);
  });

  it("refuse the first part a provider cannot send, naming its path, and pass everything for 'all'", () => {
    const messages: ChatMessage[] = [
      { role: "system", content: "Be brief." },
      { role: "user", content: [{ type: "text", text: "What is this?" }, { type: "image_url", image_url: { url: PNG } }, { type: "image_url", image_url: { url: "https://example.com/cat.png" } }] },
    ];
    const target = (kind: string, contentParts: ContentSupport): ContentTarget => ({ id: "d", group: "g", model: `${kind}/m`, adapter: { kind, contentParts } });
    const chat = (list: ChatMessage[]): ChatRequest => ({ model: "g", messages: list });
    const error = unsendableContent("chat", chat(messages), target("gemini", TEXT_AND_INLINE_IMAGES));
    expect(error?.code).toBe("unsupported_params");
    expect(error?.status).toBe(400);
    expect(error?.param).toBe("messages[1].content[2]");
    expect(error?.message).toContain("an image by URL");
    expect(error?.message).toContain("deployment 'd'");
    expect(unsendableContent("chat", chat(messages), target("openai", "all"))).toBeUndefined();
    expect(unsendableContent("chat", chat([{ role: "user", content: [{ type: "input_audio", input_audio: {} }] }]), target("ollama_chat", TEXT_AND_INLINE_IMAGES))?.message).toContain("cannot take audio");
    expect(unsendableContent("chat", chat(messages.slice(0, 1)), target("gemini", TEXT_AND_INLINE_IMAGES))).toBeUndefined();
  });
});
