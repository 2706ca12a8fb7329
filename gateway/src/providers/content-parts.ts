/**
 * The parts of a chat message's content that a translating provider can send. OpenAI-compatible
 * servers take every part as sent. Gemini and Ollama take text and images given inline as base64
 * `data:` URLs (Gemini `inlineData`, Ollama `images`); an image by http(s) URL, audio or a file is
 * refused with a 400 naming the part (`messages[1].content[0]`), never left out silently. Pharos
 * does not fetch URLs on a client's behalf (a gateway that did would be a server-side request
 * forgery tool); clients send such images inline.
 */
import { GatewayError } from "../errors.ts";
import type { ChatMessage, ChatRequest, ContentPart, Operation, RequestBody } from "./openai-types.ts";
import { deploymentLabel } from "./param-support.ts";

/** What a part is, as far as translation goes: `text`, `inline_image`, `image_url` (by URL), or the part's own type. */
export type PartKind = string;

/** The parts an adapter sends: every one, or these kinds. */
export type ContentSupport = "all" | ReadonlySet<PartKind>;

/** Text and base64 `data:` URL images (Gemini, Ollama). */
export const TEXT_AND_INLINE_IMAGES: ContentSupport = new Set<PartKind>(["text", "inline_image"]);

export interface InlineImage {
  /** `image/png`, … */
  readonly mimeType: string;
  /** The base64 payload, without the `data:…;base64,` prefix. */
  readonly data: string;
}

const DATA_URL = /^data:([\w.+-]+\/[\w.+-]+);base64,/i;

function imageUrlOf(part: ContentPart): string | undefined {
  const image = part["image_url"];
  if (typeof image === "string") return image;
  if (typeof image === "object" && image !== null && typeof (image as { url?: unknown }).url === "string") return (image as { url: string }).url;
  return undefined;
}

/** The part's image as media type and base64 payload, when it is an inline (`data:`) image. */
export function inlineImage(part: ContentPart): InlineImage | undefined {
  if (part.type !== "image_url") return undefined;
  const url = imageUrlOf(part);
  const match = url === undefined ? null : DATA_URL.exec(url);
  if (match === null || url === undefined) return undefined;
  return { mimeType: match[1]!.toLowerCase(), data: url.slice(match[0].length) };
}

export function partKind(part: ContentPart): PartKind {
  if (part.type === "text") return "text";
  if (part.type === "image_url") return inlineImage(part) === undefined ? "image_url" : "inline_image";
  return part.type;
}

/** Every inline image of the messages, in order (Ollama's /api/generate takes them for the whole prompt). */
export function inlineImagesOf(messages: readonly ChatMessage[]): InlineImage[] {
  const images: InlineImage[] = [];
  for (const message of messages) {
    if (!Array.isArray(message.content)) continue;
    for (const part of message.content) {
      const image = inlineImage(part);
      if (image !== undefined) images.push(image);
    }
  }
  return images;
}

const DESCRIBED: Readonly<Record<string, string>> = {
  image_url: "an image by URL (send it inline as a base64 data: URL: data:image/png;base64,…)",
  input_audio: "audio",
  file: "a file",
};

/** The deployment a chat request is about to go to, as far as its content parts matter. */
export interface ContentTarget {
  readonly id: string;
  readonly group: string;
  readonly model: string;
  readonly adapter: { readonly kind: string; readonly contentParts: ContentSupport };
}

/**
 * The 400 for the first part of a chat request's messages that the deployment's provider cannot
 * send, or undefined (at once for other operations and for providers that take every part). Not
 * subject to drop_params: leaving a part of a message out would change what the model is asked.
 */
export function unsendableContent(op: Operation, body: RequestBody, deployment: ContentTarget): GatewayError | undefined {
  const support = deployment.adapter.contentParts;
  if (op !== "chat" || support === "all") return undefined;
  const messages = (body as ChatRequest).messages;
  for (let i = 0; i < messages.length; i++) {
    const content = messages[i]!.content;
    if (!Array.isArray(content)) continue;
    for (let j = 0; j < content.length; j++) {
      const kind = partKind(content[j]!);
      if (support.has(kind)) continue;
      const what = DESCRIBED[kind] ?? `a '${kind}' part`;
      const message = `${deployment.adapter.kind} cannot take ${what} in messages[${i}].content[${j}] (${deploymentLabel(deployment)}); it takes text and base64 data: URL images`;
      return new GatewayError("unsupported_params", message, { param: `messages[${i}].content[${j}]` });
    }
  }
  return undefined;
}
