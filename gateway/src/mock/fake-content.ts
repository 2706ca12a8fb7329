/**
 * Deterministic content for the mock upstream: the reply text, its token pieces, token counts
 * and embedding vectors. The same input always gives the same output, so tests can assert it.
 */

/** The text a mock reply carries when no fault overrides it. */
export function replyText(prompt: string): string {
  const snippet = prompt.replace(/\s+/g, " ").trim().slice(0, 48);
  return `This is a mock response from Pharos to "${snippet}".`;
}

/** Splits text into token-like pieces (a word with its leading space), the unit of a stream chunk. */
export function tokenPieces(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

/** A rough token count (4 characters a token), at least 1 for any input. */
export function countTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** Pieces limited to `maxTokens`, and whether the limit cut the reply short. */
export function limitPieces(text: string, maxTokens: number | undefined): { pieces: string[]; truncated: boolean } {
  const pieces = tokenPieces(text);
  if (maxTokens === undefined || pieces.length <= maxTokens) return { pieces, truncated: false };
  return { pieces: pieces.slice(0, maxTokens), truncated: true };
}

const DIMENSIONS = 8;

/** A unit-length vector derived from the text (FNV-1a seeded), 8 dimensions. */
export function embeddingFor(text: string): number[] {
  let hash = 2166136261;
  const vector: number[] = [];
  for (let dimension = 0; dimension < DIMENSIONS; dimension++) {
    for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619) >>> 0;
    hash = Math.imul(hash ^ dimension, 16777619) >>> 0;
    vector.push((hash / 0xffffffff) * 2 - 1);
  }
  const norm = Math.hypot(...vector) || 1;
  return vector.map((value) => Number((value / norm).toFixed(6)));
}

export function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
