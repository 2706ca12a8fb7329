/**
 * Stage 4 (after the public routes): the caller's key, from `Authorization: Bearer <key>` or
 * `x-litellm-api-key`, is the master key (compared in constant time) or a virtual key found
 * by the key resolver. With no master key configured, Pharos is open (warned at boot).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Middleware } from "koa";
import { GatewayError } from "../errors.ts";
import type { AuthContext, PharosContext, RequestState } from "../request-state.ts";

/** Looks up virtual keys (issue: keys and budgets). Returns undefined for an unknown key. */
export interface KeyResolver {
  resolve(keyHash: string, ctx: PharosContext): Promise<AuthContext | undefined>;
}

export function hashKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

const OPEN: AuthContext = { kind: "open", keyHash: undefined, keyAlias: undefined, models: undefined, metadata: undefined };

/** The key a request carries, or undefined. */
export function keyOf(ctx: PharosContext): string | undefined {
  const header = ctx.get("authorization");
  if (header !== "") {
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    return match?.[1]?.trim();
  }
  const alternative = ctx.get("x-litellm-api-key") || ctx.get("api-key");
  return alternative === "" ? undefined : alternative.replace(/^Bearer\s+/i, "").trim();
}

export interface AuthenticateOptions {
  readonly masterKey: string | undefined;
  readonly resolver?: KeyResolver | undefined;
}

export function authenticate(options: AuthenticateOptions): Middleware<RequestState> {
  const masterBytes = options.masterKey === undefined ? undefined : Buffer.from(options.masterKey);
  const master: AuthContext | undefined =
    options.masterKey === undefined ? undefined : { kind: "master", keyHash: hashKey(options.masterKey), keyAlias: "master", models: undefined, metadata: undefined };
  return async (ctx, next) => {
    if (masterBytes === undefined || master === undefined) {
      ctx.state.auth = OPEN;
      return next();
    }
    const key = keyOf(ctx);
    if (key === undefined || key === "") {
      throw new GatewayError("missing_api_key", "No API key provided. Send it as 'Authorization: Bearer <key>'.");
    }
    // Constant time for keys of the master key's length (a length is not a secret); only other
    // keys are hashed, to look them up as virtual keys.
    const keyBytes = Buffer.from(key);
    if (keyBytes.length === masterBytes.length && timingSafeEqual(keyBytes, masterBytes)) {
      ctx.state.auth = master;
      return next();
    }
    const resolved = options.resolver === undefined ? undefined : await options.resolver.resolve(hashKey(key), ctx);
    if (resolved === undefined) throw new GatewayError("invalid_api_key", "Invalid API key. Check the key sent in the Authorization header.");
    ctx.state.auth = resolved;
    return next();
  };
}

/** Guards an admin route: only the master key (or an open gateway) may call it. */
export function requireMaster(ctx: PharosContext): void {
  const kind = ctx.state.auth?.kind;
  if (kind !== "master" && kind !== "open") throw new GatewayError("permission_denied", "This route needs the master key.");
}
