/**
 * The in-process cache store (cache_params.type: local, the default): a Map bounded by total
 * size (PHAROS_CACHE_MEMORY_MB, default 64), least recently used evicted first, entries expire
 * at their TTL (checked on read, swept every minute).
 */
import type { CachedResponse, CacheStore } from "./cache-store.ts";
import { sizeOf } from "./cache-store.ts";

interface Slot {
  readonly value: CachedResponse;
  readonly expiresAt: number;
  readonly size: number;
}

const SWEEP_MS = 60_000;

export class MemoryCacheStore implements CacheStore {
  readonly backend = "memory" as const;
  private readonly slots = new Map<string, Slot>();
  private readonly maxBytes: number;
  private readonly now: () => number;
  private bytes = 0;
  private readonly sweeper: NodeJS.Timeout;

  constructor(maxBytes: number, now: () => number = Date.now) {
    this.maxBytes = maxBytes;
    this.now = now;
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  get(key: string): CachedResponse | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    if (slot.expiresAt <= this.now()) {
      this.remove(key, slot);
      return undefined;
    }
    // Most recently used last.
    this.slots.delete(key);
    this.slots.set(key, slot);
    return slot.value;
  }

  set(key: string, value: CachedResponse, ttlMs: number): void {
    const size = sizeOf(value);
    if (size > this.maxBytes / 8) return; // one answer never takes more than an eighth of the cache
    const previous = this.slots.get(key);
    if (previous !== undefined) this.remove(key, previous);
    this.slots.set(key, { value, expiresAt: this.now() + ttlMs, size });
    this.bytes += size;
    for (const [oldest, slot] of this.slots) {
      if (this.bytes <= this.maxBytes) break;
      this.remove(oldest, slot);
    }
  }

  get entries(): number {
    return this.slots.size;
  }

  get usedBytes(): number {
    return this.bytes;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.slots.clear();
    this.bytes = 0;
  }

  private remove(key: string, slot: Slot): void {
    this.slots.delete(key);
    this.bytes -= slot.size;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, slot] of this.slots) if (slot.expiresAt <= now) this.remove(key, slot);
  }
}
