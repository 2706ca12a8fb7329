/** Feeds raw upstream stream text through an adapter's framing and decoder, as UpstreamStream does. */
import { splitterFor } from "../../gateway/src/providers/framing.ts";
import type { ProviderAdapter, StreamDecoder, StreamEvent } from "../../gateway/src/providers/provider.ts";

export function decodeStream(adapter: ProviderAdapter, decoder: StreamDecoder, chunks: readonly string[], ended = true): StreamEvent[] {
  const frames = splitterFor(adapter.streamFraming);
  const events: StreamEvent[] = [];
  for (const chunk of chunks) for (const payload of frames.push(chunk)) events.push(...decoder.decode(payload));
  if (ended) {
    for (const payload of frames.end()) events.push(...decoder.decode(payload));
    events.push(...decoder.finish());
  }
  return events;
}
