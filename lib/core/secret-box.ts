import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import { env } from "@/lib/core/env";

/**
 * Encryption at rest for private keys (bundle signing keys, the agent-token issuer key) with
 * AES-256-GCM under a key derived from VERDICT_MASTER_KEY.
 *
 * Sealed format, version 1: `vb1.<key fingerprint>.<iv>.<ciphertext>.<tag>` (base64url parts).
 * - The fingerprint names the master key that sealed the value, so a wrong or rotated master key
 *   fails with a clear error instead of a bare authentication failure.
 * - `context` is bound as additional authenticated data: a ciphertext copied into another row
 *   (another key id, another purpose) does not open there.
 * - The version prefix leaves room for a future format (another cipher, key wrapping) without
 *   guessing at old rows.
 */
const VERSION = "vb1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBoxError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SecretBoxError";
  }
}

type MasterKey = { key: Buffer; fingerprint: string };

function masterKeyFrom(base64: string): MasterKey {
  const raw = Buffer.from(base64, "base64");
  if (raw.length !== 32) throw new SecretBoxError("the master key must be 32 bytes");
  // A separate derived key per purpose keeps the raw master key out of the cipher.
  const key = Buffer.from(hkdfSync("sha256", raw, Buffer.alloc(0), "verdict secret-box v1", 32));
  const fingerprint = createHash("sha256")
    .update("verdict master key fingerprint\n")
    .update(raw)
    .digest("base64url")
    .slice(0, 8);
  return { key, fingerprint };
}

let cached: { source: string; master: MasterKey } | undefined;

function currentMasterKey(): MasterKey {
  const source = env().VERDICT_MASTER_KEY;
  if (cached?.source !== source) cached = { source, master: masterKeyFrom(source) };
  return cached.master;
}

export function seal(plaintext: string | Buffer, context: string, masterKey?: string): string {
  const master = masterKey ? masterKeyFrom(masterKey) : currentMasterKey();
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", master.key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(context, "utf8"));
  const ciphertext = Buffer.concat([
    cipher.update(typeof plaintext === "string" ? Buffer.from(plaintext, "utf8") : plaintext),
    cipher.final(),
  ]);
  return [
    VERSION,
    master.fingerprint,
    iv.toString("base64url"),
    ciphertext.toString("base64url"),
    cipher.getAuthTag().toString("base64url"),
  ].join(".");
}

export function open(sealed: string, context: string, masterKey?: string): Buffer {
  const parts = sealed.split(".");
  if (parts.length !== 5 || parts[0] !== VERSION) throw new SecretBoxError("not a sealed value in a known format");
  const [, fingerprint, ivText, ciphertextText, tagText] = parts as [string, string, string, string, string];
  const master = masterKey ? masterKeyFrom(masterKey) : currentMasterKey();
  if (fingerprint !== master.fingerprint) {
    throw new SecretBoxError("sealed with a different master key (VERDICT_MASTER_KEY changed?)");
  }
  const iv = Buffer.from(ivText, "base64url");
  const tag = Buffer.from(tagText, "base64url");
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SecretBoxError("the sealed value is malformed");
  try {
    const decipher = createDecipheriv("aes-256-gcm", master.key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(ciphertextText, "base64url")), decipher.final()]);
  } catch (cause) {
    throw new SecretBoxError("the sealed value was altered or belongs to another record", { cause });
  }
}

export function openText(sealed: string, context: string, masterKey?: string): string {
  return open(sealed, context, masterKey).toString("utf8");
}
