import { createHash } from "node:crypto";
import type pg from "pg";
import { runOpa, withWorkspace } from "@/lib/opa/run-opa";

export type PublicKey = { kid: string; algorithm: string; publicKeyPem: string };

/**
 * Loads a bundle with the real opa exactly as an agent verifies it (signature, every file hash,
 * scope) and returns its manifest revision; throws with opa's own message when it fails.
 */
export async function verifyWithOpa(bytes: Buffer, key: PublicKey): Promise<string> {
  return withWorkspace(
    [
      { path: "bundle.tar.gz", content: bytes },
      { path: "key.pem", content: key.publicKeyPem },
    ],
    async (dir) => {
      const built = await runOpa(
        [
          "build",
          "-b",
          "bundle.tar.gz",
          "--verification-key",
          "key.pem",
          "--verification-key-id",
          key.kid,
          "--signing-alg",
          key.algorithm,
          "--scope",
          "write",
          "-o",
          "verified.tar.gz",
        ],
        { cwd: dir, timeoutMs: 60_000 },
      );
      if (built.exitCode !== 0) throw new Error(`opa refused the bundle: ${built.stdout}${built.stderr}`);
      const inspected = await runOpa(["inspect", "-f", "json", "bundle.tar.gz"], { cwd: dir, timeoutMs: 60_000 });
      if (inspected.exitCode !== 0) throw new Error(`opa inspect failed: ${inspected.stdout}${inspected.stderr}`);
      return (JSON.parse(inspected.stdout) as { manifest: { revision: string } }).manifest.revision;
    },
  );
}

export type StoredRevisionCheck = {
  number: number;
  revision: string;
  changeRequestId: string | null;
  problems: string[];
};

/**
 * Every stored revision of a bundle, each checked for being whole: numbers dense from 1, the
 * bytes hash to the stored sha256 and ETag, the size and the manifest revision agree.
 */
export async function checkStoredRevisions(pool: pg.Pool, bundleName: string): Promise<StoredRevisionCheck[]> {
  const { rows } = await pool.query<{
    number: number;
    revision: string;
    sha256: string;
    etag: string;
    size: number;
    bytes: Buffer;
    manifest: { revision?: string };
    change_request_id: string | null;
  }>(
    `SELECT r.number, r.revision, r.sha256, r.etag, r.size, r.bytes, r.manifest, r.change_request_id
       FROM bundle_revisions r JOIN bundles b ON b.id = r.bundle_id WHERE b.name = $1 ORDER BY r.number`,
    [bundleName],
  );
  return rows.map((row, i) => {
    const problems: string[] = [];
    const hash = createHash("sha256").update(row.bytes).digest("hex");
    if (row.number !== i + 1) problems.push(`number ${row.number} at position ${i + 1}`);
    if (hash !== row.sha256) problems.push("bytes do not hash to sha256");
    if (row.etag !== `"${hash}"`) problems.push("etag is not the bytes' hash");
    if (row.size !== row.bytes.length) problems.push("size differs from the bytes");
    if (row.manifest.revision !== row.revision || row.revision !== `r${row.number}`)
      problems.push("manifest revision differs");
    return { number: row.number, revision: row.revision, changeRequestId: row.change_request_id, problems };
  });
}
