import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { open, openText, seal, SecretBoxError } from "@/lib/core/secret-box";

const master = randomBytes(32).toString("base64");
const otherMaster = randomBytes(32).toString("base64");

describe("secret box", () => {
  it("round-trips text and bytes under the same context", () => {
    const sealed = seal("-----BEGIN PRIVATE KEY-----\nabc\n", "signing-key:k1", master);
    expect(openText(sealed, "signing-key:k1", master)).toBe("-----BEGIN PRIVATE KEY-----\nabc\n");
    const bytes = randomBytes(100);
    expect(open(seal(bytes, "x", master), "x", master).equals(bytes)).toBe(true);
  });

  it("writes a versioned format that never contains the plaintext", () => {
    const sealed = seal("super secret value", "ctx", master);
    expect(sealed.split(".")).toHaveLength(5);
    expect(sealed.startsWith("vb1.")).toBe(true);
    expect(sealed).not.toContain("super");
    expect(Buffer.from(sealed.split(".")[3]!, "base64url").toString("utf8")).not.toContain("secret");
  });

  it("uses a fresh IV each time", () => {
    expect(seal("same", "ctx", master)).not.toBe(seal("same", "ctx", master));
  });

  it("refuses another context (a ciphertext moved to another row)", () => {
    const sealed = seal("key material", "signing-key:k1", master);
    expect(() => open(sealed, "signing-key:k2", master)).toThrow(SecretBoxError);
  });

  it("refuses a different master key with a clear message", () => {
    const sealed = seal("key material", "ctx", master);
    expect(() => open(sealed, "ctx", otherMaster)).toThrow(/different master key/);
  });

  it("refuses a tampered ciphertext or tag", () => {
    const parts = seal("key material", "ctx", master).split(".");
    const flipped = Buffer.from(parts[3]!, "base64url");
    flipped[0] = flipped[0]! ^ 1;
    const tampered = [...parts.slice(0, 3), flipped.toString("base64url"), parts[4]].join(".");
    expect(() => open(tampered, "ctx", master)).toThrow(/altered/);
    expect(() => open("vb0.a.b.c.d", "ctx", master)).toThrow(/known format/);
  });

  it("rejects a master key of the wrong length", () => {
    expect(() => seal("x", "ctx", randomBytes(16).toString("base64"))).toThrow(/32 bytes/);
  });
});
