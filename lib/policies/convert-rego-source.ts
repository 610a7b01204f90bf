import { AppError } from "@/lib/core/errors";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { convertRegoV0ToV1, detectRegoVersion } from "@/lib/opa/convert-v0";
import { MAX_MODULE_BYTES } from "@/lib/rego/policy-module";
import type { RegoVersion } from "@/lib/rego/rego-version";

/** What the editor and imports show for a module: its version and, for v0, the v1 text or why there is none. */
export type RegoConversion = {
  detected: RegoVersion | null;
  /** The module rewritten by `opa fmt --v0-v1`; only for v0 that converts. */
  converted?: string;
  /** Why a v0 module does not convert, naming the line to change. */
  error?: string;
  line?: number;
};

/** Detects the module's Rego version and, for v0, converts it with the pinned opa. Writes nothing. */
export async function convertRegoSource(options: { actor: Actor; source: string }): Promise<RegoConversion> {
  requirePermission(options.actor, "policy:read");
  if (Buffer.byteLength(options.source, "utf8") > MAX_MODULE_BYTES)
    throw new AppError("payload_too_large", "The module is larger than 1 MiB");
  return describeRegoVersion(options.source);
}

export async function describeRegoVersion(source: string, options: { notV1?: boolean } = {}): Promise<RegoConversion> {
  const detected = await detectRegoVersion(source, options);
  if (detected !== "v0") return { detected };
  const result = await convertRegoV0ToV1(source);
  return "source" in result ? { detected, converted: result.source } : { detected, ...result };
}
