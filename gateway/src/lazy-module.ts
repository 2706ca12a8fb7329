/**
 * Packages of optional subsystems (Redis, PostgreSQL, the embedded database, Slack) load the
 * first time they are used, so a gateway that does not use them does not pay their memory and
 * boot time. Synchronous (the packages' CommonJS builds), typed by the caller.
 */
import { createRequire } from "node:module";

const requireModule = createRequire(import.meta.url);

export function lazyModule<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= requireModule(name) as T);
}
