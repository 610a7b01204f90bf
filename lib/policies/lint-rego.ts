import { requirePermission, type Actor } from "@/lib/auth/actor";
import { AppError } from "@/lib/core/errors";
import { checkModules, type CheckResult } from "@/lib/opa/check";
import { formatRego } from "@/lib/opa/fmt";
import { MAX_MODULE_BYTES } from "@/lib/rego/policy-module";

const LINT_TIMEOUT_MS = 10_000;

function assertSize(source: string): void {
  if (Buffer.byteLength(source, "utf8") > MAX_MODULE_BYTES)
    throw new AppError("payload_too_large", "The module is larger than 1 MiB");
}

/** `opa check` (errors) plus `opa check --strict` (warnings) for what is in the editor right now. */
export async function lintRego(options: { actor: Actor; source: string; fileName?: string }): Promise<CheckResult> {
  requirePermission(options.actor, "policy:read");
  assertSize(options.source);
  return checkModules([{ path: options.fileName ?? "policy.rego", source: options.source }], {
    strict: true,
    timeoutMs: LINT_TIMEOUT_MS,
  });
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
