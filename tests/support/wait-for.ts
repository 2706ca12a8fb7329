/** Polls a condition until it holds or the deadline passes (then throws with the last reason). */
import { setTimeout as sleep } from "node:timers/promises";

export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, options: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(options.intervalMs ?? 50);
  }
  throw new Error(`timed out waiting for ${options.what ?? "condition"}${lastError === undefined ? "" : `: ${String(lastError)}`}`);
}
