import { AppError } from "@/lib/core/errors";
import { checkModules } from "@/lib/opa/check";
import { declaredPackage } from "@/lib/rego/rego-package";
import { formatBytes } from "@/lib/core/read-body";
import { MAX_MODULE_BYTES, policyFilePath } from "@/lib/rego/policy-module";
import { describeMissing, referenceClosure, type ReferenceModule } from "@/lib/rego/policy-references";

/**
 * A version is stored only if it is a module OPA compiles, declaring the policy's package,
 * together with the policies it references (transitively, among `candidates`: the versions test
 * runs use, lib/policy-tests/policy-references.ts). A reference no policy provides is refused
 * with the package and the file:line that uses it. Errors carry file, row and column so the
 * editor can place markers.
 */
export async function validatePolicySource(
  packagePath: string,
  source: string,
  candidates: ReferenceModule[] = [],
): Promise<void> {
  const bytes = Buffer.byteLength(source, "utf8");
  if (bytes > MAX_MODULE_BYTES) {
    throw new AppError(
      "payload_too_large",
      `The module is ${formatBytes(bytes)}; the limit is ${formatBytes(MAX_MODULE_BYTES)}`,
    );
  }
  const path = policyFilePath(packagePath);
  const references = referenceClosure(
    { packagePath, path, source },
    candidates.filter((c) => c.packagePath !== packagePath),
  );
  if (references.missing.length > 0) {
    throw new AppError(
      "unprocessable",
      `The module references a package no policy provides: ${describeMissing(references.missing)}`,
      {
        fieldErrors: references.missing.map((m) => ({
          path: "body.source",
          message: `no policy declares package ${m.package} (${m.locations.map((l) => `${l.file}:${l.row}`).join(", ")})`,
        })),
        extra: { missingPackages: references.missing },
      },
    );
  }
  const { errors } = await checkModules([
    { path, source },
    ...references.modules.map((m) => ({ path: m.path, source: m.source })),
  ]);
  if (errors.length > 0) {
    throw new AppError(
      "unprocessable",
      `The module does not compile (${errors.length} error${errors.length === 1 ? "" : "s"})`,
      {
        extra: { regoErrors: errors },
      },
    );
  }
  const declared = declaredPackage(source);
  if (declared !== packagePath) {
    throw new AppError(
      "unprocessable",
      `The module declares package ${declared ?? "(none)"} but the policy's package is ${packagePath}`,
      {
        fieldErrors: [{ path: "body.source", message: `must declare \`package ${packagePath}\`` }],
      },
    );
  }
}
