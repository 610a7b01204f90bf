import { requirePermission, type Actor } from "@/lib/auth/actor";
import { AppError } from "@/lib/core/errors";
import { checkModules, type CheckResult } from "@/lib/opa/check";
import { detectRegoVersion } from "@/lib/opa/convert-v0";
import { formatRego } from "@/lib/opa/fmt";
import { MAX_MODULE_BYTES } from "@/lib/rego/policy-module";
import { declaredPackage } from "@/lib/rego/rego-package";
import { referenceClosure } from "@/lib/rego/policy-references";
import { referenceCandidates } from "@/lib/policy-tests/policy-references";
import type { RegoVersion } from "@/lib/rego/rego-version";

const LINT_TIMEOUT_MS = 10_000;

function assertSize(source: string): void {
  if (Buffer.byteLength(source, "utf8") > MAX_MODULE_BYTES)
    throw new AppError("payload_too_large", "The module is larger than 1 MiB");
}

/** Lint findings; `detectedRegoVersion` is "v0" when v1 does not parse the module but v0 does. */
export type LintResult = CheckResult & { detectedRegoVersion?: RegoVersion };

/**
 * `opa check` (errors) plus `opa check --strict` (warnings) for what is in the editor right now,
 * read as the Rego version the policy is kept in and compiled with the policies it references;
 * only the editor's own file is reported on. Only when v1 fails to parse is the text also tried
 * as v0, so that the editor can offer the conversion instead of a wall of parse errors.
 */
export async function lintRego(options: {
  actor: Actor;
  source: string;
  fileName?: string;
  regoVersion?: RegoVersion;
}): Promise<LintResult> {
  requirePermission(options.actor, "policy:read");
  assertSize(options.source);
  const regoVersion = options.regoVersion ?? "v1";
  const path = options.fileName ?? "policy.rego";
  const packagePath = declaredPackage(options.source);
  const references = packagePath
    ? referenceClosure(
        { packagePath, path, source: options.source },
        (await referenceCandidates()).filter((c) => c.packagePath !== packagePath && c.path !== path),
      ).modules
    : [];
  const checked = await checkModules(
    [
      { path, source: options.source, regoVersion },
      ...references.map((m) => ({ path: m.path, source: m.source, regoVersion: m.regoVersion })),
    ],
    { strict: true, timeoutMs: LINT_TIMEOUT_MS },
  );
  const own = (e: { file?: string }) => !e.file || e.file === path;
  const result =
    references.length === 0 ? checked : { errors: checked.errors.filter(own), warnings: checked.warnings.filter(own) };
  if (regoVersion === "v1" && result.errors.some((e) => e.code === "rego_parse_error")) {
    const detected = await detectRegoVersion(options.source, { notV1: true });
    if (detected === "v0") return { ...result, detectedRegoVersion: detected };
  }
  return result;
}

export async function formatRegoSource(options: {
  actor: Actor;
  source: string;
  fileName?: string;
  regoVersion?: RegoVersion;
}) {
  requirePermission(options.actor, "policy:read");
  assertSize(options.source);
  const result = await formatRego(options.source, {
    fileName: options.fileName,
    timeoutMs: LINT_TIMEOUT_MS,
    regoVersion: options.regoVersion,
  });
  if (!result.ok)
    throw new AppError("unprocessable", "The module cannot be formatted until it parses", {
      extra: { regoErrors: result.errors },
    });
  return { formatted: result.formatted, changed: result.changed };
}
