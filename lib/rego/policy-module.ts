/** The largest Rego module a policy version may hold. */
export const MAX_MODULE_BYTES = 1024 * 1024;

/** Where a policy's module lives inside a bundle and in error locations: payments.authz → payments/authz/policy.rego. */
export function policyFilePath(packagePath: string): string {
  return `${packagePath.split(".").join("/")}/policy.rego`;
}
