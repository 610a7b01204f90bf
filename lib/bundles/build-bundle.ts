import type { KeyObject } from "node:crypto";
import { sha256Hex } from "@/lib/core/sha256";
import { CompactSign } from "jose";
import { canonicalJson } from "@/lib/core/canonical-json";
import { packTarGz, type TarFile } from "@/lib/core/tarball";
import { manifestRegoVersion, type RegoVersion } from "@/lib/rego/rego-version";

export type SigningAlgorithm = "RS256" | "ES256";
/** A module of the bundle; `regoVersion` "v0" is declared in the manifest's `file_rego_versions`. */
export type BundleModule = { path: string; source: string; regoVersion?: RegoVersion };
/** A data document at a slash path under the bundle's roots ("" is the root document). */
export type BundleDataDocument = { path: string; value: Record<string, unknown> };
export type BundleSigner = { kid: string; algorithm: SigningAlgorithm; privateKey: KeyObject };
export type BundleFileEntry = { name: string; sha256: string; size: number };

export type BundleManifest = {
  revision: string;
  roots: string[];
  rego_version: 1;
  /**
   * Only when some modules are v0: each by its name in the tarball, exactly (no leading "/"; OPA
   * matches a tarball's files by their entry names, and a directory's by "/" + relative path).
   */
  file_rego_versions?: Record<string, 0 | 1>;
  metadata: Record<string, unknown>;
};

export type BuiltBundle = {
  bytes: Buffer;
  sha256: string;
  /** Strong ETag: the quoted SHA-256 of the tarball. */
  etag: string;
  manifest: BundleManifest;
  /** Every signed file with its SHA-256 exactly as OPA computes it. */
  files: BundleFileEntry[];
  signature: { kid: string; algorithm: SigningAlgorithm; jws: string };
};

export const SIGNATURES_FILE = ".signatures.json";
export const MANIFEST_FILE = ".manifest";
export const SIGNATURE_SCOPE = "write";
export const SIGNATURE_ISSUER = "verdict";

export type BuildBundleInput = {
  revision: string;
  roots: string[];
  metadata: Record<string, unknown>;
  modules: BundleModule[];
  data: BundleDataDocument[];
  signer: BundleSigner;
  builtAt: Date;
};

/**
 * A snapshot bundle as OPA loads and verifies it (docs/opa-protocol.md §2–3): `.manifest` and
 * `data.json` files are written in canonical JSON — the same form OPA re-serialises them in to
 * hash them — so the hashes here are OPA's; `.rego` files are hashed raw. The one JWS in
 * `.signatures.json` lists every other file.
 */
export async function buildSignedBundle(input: BuildBundleInput): Promise<BuiltBundle> {
  const v0 = input.modules.filter((m) => m.regoVersion === "v0").map((m) => m.path);
  const manifest: BundleManifest = {
    revision: input.revision,
    roots: input.roots,
    rego_version: 1,
    ...(v0.length
      ? { file_rego_versions: Object.fromEntries(v0.sort().map((p) => [p, manifestRegoVersion("v0")])) }
      : {}),
    metadata: input.metadata,
  };
  const files: TarFile[] = [{ name: MANIFEST_FILE, content: Buffer.from(canonicalJson(manifest), "utf8") }];
  for (const module of [...input.modules].sort((a, b) => a.path.localeCompare(b.path))) {
    if (!module.path.endsWith(".rego")) throw new Error(`not a Rego module path: ${module.path}`);
    files.push({ name: module.path, content: Buffer.from(module.source, "utf8") });
  }
  for (const doc of [...input.data].sort((a, b) => a.path.localeCompare(b.path))) {
    assertGoSortableKeys(doc.value, doc.path || "data");
    files.push({
      name: doc.path ? `${doc.path}/data.json` : "data.json",
      content: Buffer.from(canonicalJson(doc.value), "utf8"),
    });
  }
  const names = new Set<string>();
  for (const f of files) {
    if (names.has(f.name)) throw new Error(`two bundle files named ${f.name}`);
    names.add(f.name);
  }
  const entries: BundleFileEntry[] = files.map((f) => ({
    name: f.name,
    sha256: sha256Hex(f.content),
    size: f.content.length,
  }));
  const jws = await signFileList(entries, input.signer, input.builtAt);
  const signatures = Buffer.from(JSON.stringify({ signatures: [jws] }), "utf8");
  const bytes = await packTarGz([{ name: SIGNATURES_FILE, content: signatures }, ...files], input.builtAt);
  const sha256 = sha256Hex(bytes);
  return {
    bytes,
    sha256,
    etag: `"${sha256}"`,
    manifest,
    files: entries,
    signature: { kid: input.signer.kid, algorithm: input.signer.algorithm, jws },
  };
}

/** The JWS OPA verifies: header alg+kid (OPA picks the key by kid), payload the file list and scope. */
export async function signFileList(files: BundleFileEntry[], signer: BundleSigner, issuedAt: Date): Promise<string> {
  const payload = {
    files: files.map((f) => ({ name: f.name, hash: f.sha256, algorithm: "SHA-256" })),
    iat: Math.floor(issuedAt.getTime() / 1000),
    iss: SIGNATURE_ISSUER,
    scope: SIGNATURE_SCOPE,
  };
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: signer.algorithm, kid: signer.kid })
    .sign(signer.privateKey);
}

// Go sorts object keys by UTF-8 bytes, JavaScript by UTF-16 code units; the two orders differ
// only for characters outside the Basic Multilingual Plane, so such keys are refused.
function assertGoSortableKeys(value: unknown, at: string): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      assertGoSortableKeys(v, `${at}[${i}]`);
    });
  } else if (value && typeof value === "object") {
    for (const [key, v] of Object.entries(value)) {
      if (/[\uD800-\uDFFF]/.test(key))
        throw new Error(`data key at ${at} uses a character outside the Basic Multilingual Plane`);
      assertGoSortableKeys(v, `${at}.${key}`);
    }
  }
}
