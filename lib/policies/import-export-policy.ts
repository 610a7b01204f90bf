import { db } from "@/lib/core/db";
import { AppError, notFound } from "@/lib/core/errors";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { createPolicy } from "@/lib/policies/create-policy";
import { savePolicyVersion, type SaveResult } from "@/lib/policies/save-policy-version";
import { declaredPackage } from "@/lib/rego/rego-package";
import type { PolicyView } from "@/lib/policies/policy-views";
import { ZPackagePath } from "@/lib/policies/schemas";
import { fromPolicyFiles, toPolicyFiles, type PolicyFiles } from "@/lib/policy-tests/policy-files";
import {
  ZTestCases,
  type TImportNewPolicyRequest,
  type TImportPolicyFilesRequest,
  type TRegoV0Choice,
} from "@/lib/policy-tests/schemas";
import type { RegoVersion } from "@/lib/rego/rego-version";
import { describeRegoVersion } from "@/lib/policies/convert-rego-source";
import { readStoredCases } from "@/lib/policy-tests/test-suite";

export type PolicyExport = {
  name: string;
  packagePath: string;
  version: number;
  /** "v0": the files are Rego v0 (read them with --v0-compatible; import them back with regoV0 "keep"). */
  regoVersion: RegoVersion;
  files: Record<string, string>;
};

/** A version (default: head) as plain files: policy.rego, policy_test.rego, cases.json. */
export async function exportPolicyFiles(options: {
  actor: Actor;
  policyId: string;
  version?: number;
}): Promise<PolicyExport> {
  requirePermission(options.actor, "policy:read");
  const policy = await db.policy.findUnique({
    where: { id: options.policyId },
    select: { name: true, packagePath: true, headNumber: true },
  });
  if (!policy) throw notFound("Policy");
  const number = options.version ?? policy.headNumber;
  const version = await db.policyVersion.findUnique({
    where: { policyId_number: { policyId: options.policyId, number } },
  });
  if (!version) throw notFound("Policy version");
  return {
    name: policy.name,
    packagePath: policy.packagePath,
    version: number,
    regoVersion: version.regoVersion,
    files: toPolicyFiles(version.source, version.testSource, readStoredCases(version.testCases)),
  };
}

/** The files replace the policy's source, test module and cases as its next version. */
export async function importPolicyFiles(options: {
  actor: Actor;
  policyId: string;
  input: TImportPolicyFilesRequest;
  requestId?: string;
}): Promise<SaveResult> {
  requirePermission(options.actor, "policy:write");
  const { files, regoVersion, converted } = await settleRegoVersion(
    fromPolicyFiles(options.input.files),
    options.input.regoV0,
  );
  return savePolicyVersion({
    actor: options.actor,
    policyId: options.policyId,
    requestId: options.requestId,
    input: {
      source: files.source,
      testSource: files.testSource,
      testCases: validCases(files.cases),
      message: converted ? `${options.input.message} (converted from Rego v0)` : options.input.message,
      expectedVersion: options.input.expectedVersion,
      regoVersion,
    },
  });
}

/** A new policy from files; its package is the one policy.rego declares. */
export async function importNewPolicy(options: {
  actor: Actor;
  input: TImportNewPolicyRequest;
  requestId?: string;
}): Promise<PolicyView> {
  requirePermission(options.actor, "policy:write");
  const { files, regoVersion, converted } = await settleRegoVersion(
    fromPolicyFiles(options.input.files),
    options.input.regoV0,
  );
  const packagePath = ZPackagePath.safeParse(declaredPackage(files.source) ?? "");
  if (!packagePath.success) {
    throw new AppError("validation_failed", "policy.rego must declare a package such as payments.authz", {
      fieldErrors: [{ path: "body.files.policy.rego", message: "no usable package line" }],
    });
  }
  return createPolicy({
    actor: options.actor,
    requestId: options.requestId,
    input: {
      ...options.input,
      packagePath: packagePath.data,
      source: files.source,
      message: converted ? "Imported from files (converted from Rego v0)" : "Imported from files",
      testSource: files.testSource,
      testCases: validCases(files.cases),
      regoVersion,
    },
  });
}

/**
 * A v0 policy.rego is converted (with a v0 test module) or kept as v0 as the caller chose; with
 * no choice the import is refused, carrying the conversion (or why there is none) to show first.
 */
async function settleRegoVersion(
  files: PolicyFiles,
  choice: TRegoV0Choice,
): Promise<{ files: PolicyFiles; regoVersion: RegoVersion; converted: boolean }> {
  const policy = await describeRegoVersion(files.source);
  if (policy.detected !== "v0") return { files, regoVersion: "v1", converted: false };
  if (choice === "keep") return { files, regoVersion: "v0", converted: false };
  const tests = files.testSource.trim() ? await describeRegoVersion(files.testSource) : null;
  const extra = { regoVersion: policy, testRegoVersion: tests };
  if (choice === "convert") {
    if (policy.error)
      throw new AppError("unprocessable", `policy.rego cannot be converted to Rego v1. ${policy.error}`, { extra });
    if (tests?.error)
      throw new AppError("unprocessable", `policy_test.rego cannot be converted to Rego v1. ${tests.error}`, {
        extra,
      });
    const testSource = tests?.converted ?? files.testSource;
    return { files: { ...files, source: policy.converted!, testSource }, regoVersion: "v1", converted: true };
  }
  throw new AppError(
    "unprocessable",
    policy.error
      ? `policy.rego is Rego v0 and cannot be converted as it is (${policy.error}); fix that, or import it with regoV0 "keep"`
      : 'policy.rego is Rego v0: import it with regoV0 "convert" (to v1, by opa fmt --v0-v1) or "keep" (stays v0)',
    { extra },
  );
}

function validCases(cases: unknown) {
  const parsed = ZTestCases.safeParse(cases);
  if (parsed.success) return parsed.data;
  throw new AppError("validation_failed", "The cases file has invalid cases", {
    fieldErrors: parsed.error.issues.map((i) => ({
      path: ["body.files.cases", ...i.path.map(String)].join("."),
      message: i.message,
    })),
  });
}
