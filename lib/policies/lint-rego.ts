import { requirePermission, type Actor } from "@/lib/auth/actor";
import { AppError } from "@/lib/core/errors";
import { checkModules, type CheckResult } from "@/lib/opa/check";
import { formatRego } from "@/lib/opa/fmt";
import { MAX_MODULE_BYTES } from "@/lib/rego/policy-module";
import { declaredPackage } from "@/lib/rego/rego-package";
import { referenceClosure } from "@/lib/rego/policy-references";
import { referenceCandidates } from "@/lib/policy-tests/policy-references";

const LINT_TIMEOUT_MS = 10_000;

function assertSize(source: string): void {
  if (Buffer.byteLength(source, "utf8") > MAX_MODULE_BYTES)
    throw new AppError("payload_too_large", "The module is larger than 1 MiB");
}

/**
 * `opa check` (errors) plus `opa check --strict` (warnings) for what is in the editor right now,
 * compiled with the policies it references; only the editor's own file is reported on.
 */
export async function lintRego(options: { actor: Actor; source: string; fileName?: string }): Promise<CheckResult> {
  requirePermission(options.actor, "policy:read");
  assertSize(options.source);
  const path = options.fileName ?? "policy.rego";
  const packagePath = declaredPackage(options.source);
  const references = packagePath
    ? referenceClosure(
        { packagePath, path, source: options.source },
        (await referenceCandidates()).filter((c) => c.packagePath !== packagePath && c.path !== path),
      ).modules
    : [];
  const result = await checkModules(
    [{ path, source: options.source }, ...references.map((m) => ({ path: m.path, source: m.source }))],
    { strict: true, timeoutMs: LINT_TIMEOUT_MS },
  );
  if (references.length === 0) return result;
  const own = (e: { file?: string }) => !e.file || e.file === path;
  return { errors: result.errors.filter(own), warnings: result.warnings.filter(own) };
}

export async function formatRegoSource(options: { actor: Actor; source: string; fileName?: string }) {
  requirePermission(options.actor, "policy:read");
  assertSize(options.source);
  const result = await formatRego(options.source, { fileName: options.fileName, timeoutMs: LINT_TIMEOUT_MS });
  if (!result.ok)
    throw new AppError("unprocessable", "The module cannot be formatted until it parses", {
      extra: { regoErrors: result.errors },
    });
  return { formatted: result.formatted, changed: result.changed };
}
