import { AppError } from "@/lib/core/errors";
import { checkModules } from "@/lib/opa/check";
import { declaredPackage } from "@/lib/rego/rego-package";
import { formatBytes } from "@/lib/core/read-body";
import { MAX_MODULE_BYTES, policyFilePath } from "@/lib/rego/policy-module";

/**
 * A version is stored only if it is a module OPA compiles, declaring the policy's package.
 * Errors carry file, row and column so the editor can place markers.
 */
export async function validatePolicySource(packagePath: string, source: string): Promise<void> {
  const bytes = Buffer.byteLength(source, "utf8");
  if (bytes > MAX_MODULE_BYTES) {
    throw new AppError(
      "payload_too_large",
      `The module is ${formatBytes(bytes)}; the limit is ${formatBytes(MAX_MODULE_BYTES)}`,
    );
  }
  const { errors } = await checkModules([{ path: policyFilePath(packagePath), source }]);
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
