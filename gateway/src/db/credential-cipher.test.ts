import { describe, expect, it } from "vitest";
import { CredentialCipher, CredentialDecryptionError, credentialSecret } from "./credential-cipher.ts";

describe("credential encryption", () => {
  const cipher = new CredentialCipher("sk-salt-one");
  const secret = JSON.stringify({ api_key: "sk-upstream-secret", api_base: "https://api.example.com" });

  it("round-trips, with a fresh nonce every time", () => {
    const a = cipher.encrypt(secret, "model-1");
    const b = cipher.encrypt(secret, "model-1");
    expect(a).toMatch(/^v1\.[\w-]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain("sk-upstream-secret");
    expect(cipher.decrypt(a, "model-1")).toBe(secret);
    expect(new CredentialCipher("sk-salt-one").decrypt(b, "model-1")).toBe(secret);
  });

  it("refuses a wrong salt key with a clear error", () => {
    const stored = cipher.encrypt(secret, "model-1");
    expect(() => new CredentialCipher("sk-salt-two").decrypt(stored, "model-1")).toThrow(CredentialDecryptionError);
    expect(() => new CredentialCipher("sk-salt-two").decrypt(stored, "model-1")).toThrow(/LITELLM_SALT_KEY is not the key it was encrypted with/);
  });

  it("refuses a value moved to another model, altered or truncated", () => {
    const stored = cipher.encrypt(secret, "model-1");
    expect(() => cipher.decrypt(stored, "model-2")).toThrow(CredentialDecryptionError);
    // One bit of the authentication tag flipped (editing base64 text can leave the bytes as they were).
    const raw = Buffer.from(stored.slice("v1.".length), "base64url");
    raw[raw.length - 1]! ^= 1;
    const tampered = `v1.${raw.toString("base64url")}`;
    expect(() => cipher.decrypt(tampered, "model-1")).toThrow(CredentialDecryptionError);
    expect(() => cipher.decrypt("v1.AAAA", "model-1")).toThrow(/truncated/);
    expect(() => cipher.decrypt("plaintext", "model-1")).toThrow(/unknown format/);
  });

  it("derives its secret from LITELLM_SALT_KEY, else the master key", () => {
    expect(credentialSecret({ LITELLM_SALT_KEY: "salt" }, "master")).toBe("salt");
    expect(credentialSecret({}, "master")).toBe("master");
    expect(credentialSecret({ LITELLM_SALT_KEY: "" }, undefined)).toBeUndefined();
  });
});
