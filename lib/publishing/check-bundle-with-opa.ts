import { runOpa, withWorkspace } from "@/lib/opa/run-opa";
import { checkModules } from "@/lib/opa/check";
import type { RegoError } from "@/lib/opa/types";
import type { BundleModule, SigningAlgorithm } from "@/lib/bundles/build-bundle";
import { SIGNATURE_SCOPE } from "@/lib/bundles/build-bundle";

const CHECK_TIMEOUT_MS = 60_000;

/**
 * Loads the finished tarball with the pinned opa exactly as an agent would: signature verified
 * with the public key, every file hash checked, roots enforced, every module compiled. Returns
 * the problems; an empty list means agents will accept and activate this bundle.
 */
export async function checkBundleWithOpa(options: {
  bytes: Buffer;
  kid: string;
  algorithm: SigningAlgorithm;
  publicKeyPem: string;
  modules: BundleModule[];
}): Promise<RegoError[]> {
  const result = await withWorkspace(
    [
      { path: "bundle.tar.gz", content: options.bytes },
      { path: "key.pem", content: options.publicKeyPem },
    ],
    (dir) =>
      runOpa(
        [
          "build",
          "-b",
          "bundle.tar.gz",
          "--verification-key",
          "key.pem",
          "--verification-key-id",
          options.kid,
          "--signing-alg",
          options.algorithm,
          "--scope",
          SIGNATURE_SCOPE,
          "-o",
          "checked.tar.gz",
        ],
        { cwd: dir, timeoutMs: CHECK_TIMEOUT_MS },
      ),
  );
  if (result.exitCode === 0) return [];
  // `opa build` reports in plain text; `opa check` gives the same compile errors with locations.
  if (options.modules.length > 0) {
    const { errors } = await checkModules(
      options.modules.map((m) => ({ path: m.path, source: m.source, regoVersion: m.regoVersion })),
      { timeoutMs: CHECK_TIMEOUT_MS },
    );
    if (errors.length > 0) return errors;
  }
  return [
    {
      code: "bundle_error",
      message:
        (result.stdout || result.stderr).replace(/^error:\s*/i, "").trim() ||
        `opa build exited with ${result.exitCode}`,
    },
  ];
}
