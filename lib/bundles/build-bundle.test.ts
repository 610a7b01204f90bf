import { generateKeyPairSync } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { compactVerify, createLocalJWKSet, exportJWK } from "jose";
import { buildSignedBundle, type BuildBundleInput, type SigningAlgorithm } from "@/lib/bundles/build-bundle";
import { checkBundleWithOpa } from "@/lib/publishing/check-bundle-with-opa";
import { packTarGz, unpackTarGz } from "@/lib/core/tarball";
import { canonicalJson } from "@/lib/core/canonical-json";
import { sha256Hex } from "@/lib/core/sha256";

function keyPair(algorithm: SigningAlgorithm) {
  return algorithm === "ES256"
    ? generateKeyPairSync("ec", { namedCurve: "P-256" })
    : generateKeyPairSync("rsa", { modulusLength: 2048 });
}

const POLICY = "package authz\n\ndefault allow := false\n\nallow if input.user in data.authz.admins\n";

function input(
  algorithm: SigningAlgorithm,
  privateKey: BuildBundleInput["signer"]["privateKey"],
  overrides: Partial<BuildBundleInput> = {},
): BuildBundleInput {
  return {
    revision: "r7",
    roots: ["authz"],
    metadata: { verdict: { changeRequest: { number: 3 } } },
    modules: [{ path: "authz/policy.rego", source: POLICY }],
    // Values chosen to trip naive canonical JSON: exponent numbers, U+2028, HTML characters, control characters.
    data: [{ path: "authz", value: { admins: ["alice", "b\u2028c"], "<k>&": { z: 1, a: [1e21, 0.1, "\u0001\b\f"] } } }],
    signer: { kid: `k-${algorithm}`, algorithm, privateKey },
    builtAt: new Date("2026-01-01T00:00:00Z"),
    ...overrides,
  };
}

describe("buildSignedBundle", () => {
  it.each(["ES256", "RS256"] as const)(
    "produces a %s-signed bundle the pinned opa verifies and compiles",
    async (algorithm) => {
      const { privateKey, publicKey } = keyPair(algorithm);
      const built = await buildSignedBundle(input(algorithm, privateKey));
      const publicKeyPem = publicKey.export({ type: "spki", format: "pem" }).toString();
      await expect(
        checkBundleWithOpa({ bytes: built.bytes, kid: `k-${algorithm}`, algorithm, publicKeyPem, modules: [] }),
      ).resolves.toEqual([]);
      expect(built.etag).toBe(`"${sha256Hex(built.bytes)}"`);
    },
    30_000,
  );

  it("lays out the tarball as OPA expects: signatures first, no ./ names, canonical JSON for structured files", async () => {
    const { privateKey } = keyPair("ES256");
    const built = await buildSignedBundle(input("ES256", privateKey));
    const files = await unpackTarGz(built.bytes);
    expect(files.map((f) => f.name)).toEqual([".signatures.json", ".manifest", "authz/policy.rego", "authz/data.json"]);
    const manifest = JSON.parse(files[1]!.content.toString());
    expect(manifest).toEqual({
      revision: "r7",
      roots: ["authz"],
      rego_version: 1,
      metadata: { verdict: { changeRequest: { number: 3 } } },
    });
    expect(files[1]!.content.toString()).toBe(canonicalJson(manifest));
    expect(built.files.map((f) => f.name)).toEqual([".manifest", "authz/policy.rego", "authz/data.json"]);
    for (const entry of built.files)
      expect(entry.sha256).toBe(sha256Hex(files.find((f) => f.name === entry.name)!.content));
  });

  it("signs a JWS whose header names the key and whose payload lists every other file", async () => {
    const { privateKey, publicKey } = keyPair("ES256");
    const built = await buildSignedBundle(input("ES256", privateKey));
    const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: "k-ES256", alg: "ES256" }] });
    const { payload, protectedHeader } = await compactVerify(built.signature.jws, jwks);
    expect(protectedHeader).toEqual({ alg: "ES256", kid: "k-ES256" });
    const claims = JSON.parse(new TextDecoder().decode(payload));
    expect(claims.scope).toBe("write");
    expect(claims.files).toEqual(built.files.map((f) => ({ name: f.name, hash: f.sha256, algorithm: "SHA-256" })));
  });

  it("is refused by opa when a byte of a policy changes after signing", async () => {
    const { privateKey, publicKey } = keyPair("ES256");
    const built = await buildSignedBundle(input("ES256", privateKey));
    const files = await unpackTarGz(built.bytes);
    const tampered = files.map((f) =>
      f.name.endsWith(".rego")
        ? {
            ...f,
            content: Buffer.from(f.content.toString().replace("default allow := false", "default allow := true ")),
          }
        : f,
    );
    const bytes = await packTarGz(tampered, new Date("2026-01-01T00:00:00Z"));
    const problems = await checkBundleWithOpa({
      bytes,
      kid: "k-ES256",
      algorithm: "ES256",
      publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
      modules: [],
    });
    expect(problems.map((p) => p.message).join("\n")).toMatch(/digest mismatch/);
  }, 30_000);

  it("is refused by opa when checked against another key", async () => {
    const { privateKey } = keyPair("ES256");
    const other = keyPair("ES256");
    const built = await buildSignedBundle(input("ES256", privateKey));
    const problems = await checkBundleWithOpa({
      bytes: built.bytes,
      kid: "k-ES256",
      algorithm: "ES256",
      publicKeyPem: other.publicKey.export({ type: "spki", format: "pem" }).toString(),
      modules: [],
    });
    expect(problems).not.toEqual([]);
  }, 30_000);

  it("reports compile errors with locations when modules conflict", async () => {
    const { privateKey, publicKey } = keyPair("ES256");
    const modules = [
      { path: "authz/policy.rego", source: "package authz\n\nadmin := 1\n" },
      { path: "authz/admin/policy.rego", source: "package authz.admin\n\nallow := true\n" },
    ];
    const built = await buildSignedBundle(input("ES256", privateKey, { modules, data: [] }));
    const problems = await checkBundleWithOpa({
      bytes: built.bytes,
      kid: "k-ES256",
      algorithm: "ES256",
      publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
      modules,
    });
    expect(problems[0]).toMatchObject({
      code: expect.stringMatching(/^rego_/),
      file: expect.stringContaining("policy.rego"),
    });
  }, 30_000);

  it("is byte-for-byte reproducible apart from the signature", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const a = await buildSignedBundle(input("RS256", privateKey));
    const b = await buildSignedBundle(input("RS256", privateKey));
    expect(a.sha256).toBe(b.sha256);
    expect(gunzipSync(a.bytes).equals(gunzipSync(gzipSync(gunzipSync(b.bytes))))).toBe(true);
  });

  it("refuses data keys outside the Basic Multilingual Plane and ./ tar names", async () => {
    const { privateKey } = keyPair("ES256");
    await expect(
      buildSignedBundle(input("ES256", privateKey, { data: [{ path: "authz", value: { "😀": 1 } }] })),
    ).rejects.toThrow(/Basic Multilingual Plane/);
    await expect(packTarGz([{ name: "./x", content: Buffer.from("") }], new Date())).rejects.toThrow(/would not match/);
  });
});
