/**
 * Provider credentials stored in the database (models added with /model/new) are encrypted
 * with AES-256-GCM under a key derived from LITELLM_SALT_KEY (HKDF-SHA256; the master key when
 * no salt key is set, as LiteLLM does). Each value gets a random 96-bit nonce, and the model id
 * is bound in as associated data, so a ciphertext copied to another row does not decrypt.
 * Format: `v1.<base64url(nonce ‖ ciphertext ‖ tag)>`.
 *
 * A wrong salt key fails the GCM tag check: a clear error, never garbage sent upstream.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const VERSION = "v1";
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export class CredentialDecryptionError extends Error {
  constructor(what: string) {
    super(`cannot decrypt ${what}: LITELLM_SALT_KEY is not the key it was encrypted with (or the value was altered)`);
    this.name = "CredentialDecryptionError";
  }
}

export class CredentialCipher {
  private readonly key: Buffer;

  constructor(secret: string) {
    if (secret === "") throw new Error("the credential key secret is empty");
    this.key = Buffer.from(hkdfSync("sha256", secret, "pharos credentials", "aes-256-gcm v1", 32));
  }

  encrypt(plaintext: string, boundTo: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.key, nonce);
    cipher.setAAD(Buffer.from(boundTo, "utf8"));
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return `${VERSION}.${Buffer.concat([nonce, body, cipher.getAuthTag()]).toString("base64url")}`;
  }

  decrypt(value: string, boundTo: string): string {
    const [version, payload] = value.split(".", 2);
    if (version !== VERSION || payload === undefined) throw new CredentialDecryptionError(`a value in an unknown format ("${value.slice(0, 3)}…")`);
    const raw = Buffer.from(payload, "base64url");
    if (raw.length < NONCE_BYTES + TAG_BYTES) throw new CredentialDecryptionError("a truncated value");
    const decipher = createDecipheriv("aes-256-gcm", this.key, raw.subarray(0, NONCE_BYTES));
    decipher.setAAD(Buffer.from(boundTo, "utf8"));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString("utf8");
    } catch {
      throw new CredentialDecryptionError(`the credentials of '${boundTo}'`);
    }
  }
}

/** The secret the cipher uses: LITELLM_SALT_KEY, else the master key; undefined when neither is set. */
export function credentialSecret(env: NodeJS.ProcessEnv, masterKey: string | undefined): string | undefined {
  const salt = env["LITELLM_SALT_KEY"];
  if (salt !== undefined && salt !== "") return salt;
  return masterKey;
}
