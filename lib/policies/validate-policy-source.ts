import { AppError } from "@/lib/http/errors";
import { checkModules } from "@/lib/opa/check";
import { declaredPackage } from "@/lib/policies/rego-package";
import { MAX_MODULE_BYTES } from "@/lib/policies/schemas";
import { formatBytes } from "@/lib/http/read-body";

/** Where a policy's module lives inside a bundle and in error locations: payments.authz → payments/authz/policy.rego. */
export function policyFilePath(packagePath: string): string {
  return `${packagePath.split(".").join("/")}/policy.rego`;
}

/**
 * A version is stored only if it is a module OPA compiles, declaring the policy's package.
 * Errors carry file, row and column so the editor can place markers.
 */
export async function validatePolicySource(packagePath: string, source: string): Promise<void> {
  const bytes = Buffer.byteLength(source, "utf8");
  if (bytes > MAX_MODULE_BYTES) {
    throw new AppError("payload_too_large", `The module is ${formatBytes(bytes)}; the limit is ${formatBytes(MAX_MODULE_BYTES)}`);
  }
  const { errors } = await checkModules([{ path: policyFilePath(packagePath), source }]);
  if (errors.length > 0) {
    throw new AppError("unprocessable", `The module does not compile (${errors.length} error${errors.length === 1 ? "" : "s"})`, {
      extra: { regoErrors: errors },
    });
  }
  const declared = declaredPackage(source);
  if (declared !== packagePath) {
    throw new AppError("unprocessable", `The module declares package ${declared ?? "(none)"} but the policy's package is ${packagePath}`, {
      fieldErrors: [{ path: "body.source", message: `must declare \`package ${packagePath}\`` }],
    });
  }
}
