import { AppError } from "@/lib/core/errors";
import { checkModules } from "@/lib/opa/check";
import { declaredPackage } from "@/lib/rego/rego-package";
import { formatBytes } from "@/lib/core/read-body";
import { MAX_MODULE_BYTES, policyFilePath } from "@/lib/rego/policy-module";
import { describeMissing, referenceClosure, type ReferenceModule } from "@/lib/rego/policy-references";
import type { RegoVersion } from "@/lib/rego/rego-version";
import { describeRegoVersion } from "@/lib/policies/convert-rego-source";

/**
 * A version is stored only if it is a module OPA compiles, declaring the policy's package,
 * together with the policies it references (transitively, among `candidates`: the versions test
 * runs use, lib/policy-tests/policy-references.ts). A reference no policy provides is refused
 * with the package and the file:line that uses it. Errors carry file, row and column so the
 * editor can place markers. A v0 module saved as v1 is told apart from a broken one: the error
 * says so and carries the conversion to offer.
 */
export async function validatePolicySource(
  packagePath: string,
  source: string,
  regoVersion: RegoVersion = "v1",
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
    { path, source, regoVersion },
    ...references.modules.map((m) => ({ path: m.path, source: m.source, regoVersion: m.regoVersion })),
  ]);
  if (errors.length > 0) {
    const v0 =
      regoVersion === "v1" && errors.some((e) => e.code === "rego_parse_error")
        ? await describeRegoVersion(source, { notV1: true })
        : null;
    if (v0?.detected === "v0") {
      throw new AppError(
        "unprocessable",
        'The module is written in Rego v0: convert it to v1, or keep it as v0 (regoVersion "v0")',
        { extra: { regoErrors: errors, regoVersion: v0 } },
      );
    }
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
