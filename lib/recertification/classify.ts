import type { GrantEvidence } from "@/lib/recertification/grant-evidence";

export type Classification = "used" | "unused" | "over_wide";
export type Suggestion = "keep" | "narrow" | "revoke";

/**
 * unused: no allowed request in the window (suggest revoke, unless the grant is younger than the
 * window: then keep, it has not had the chance); over_wide: used, but narrower endpoints would
 * cover every observed request (suggest narrow); else used (suggest keep).
 */
export function classify(
  evidence: GrantEvidence,
  grantCreatedAt: Date,
  windowFrom: Date,
): { classification: Classification; suggestion: Suggestion } {
  if (evidence.requestCount === 0n)
    return { classification: "unused", suggestion: grantCreatedAt > windowFrom ? "keep" : "revoke" };
  if (evidence.narrowTo) return { classification: "over_wide", suggestion: "narrow" };
  return { classification: "used", suggestion: "keep" };
}
