import { requirePermission, type Actor } from "@/lib/auth/actor";
import { notFound } from "@/lib/core/errors";
import { readOnly } from "@/lib/decisions/decision-query";
import { SUMMARY_COLUMNS, toSummary, type DecisionSummary, type SummaryRow } from "@/lib/decisions/decision-views";
import { parseEventTimestamp } from "@/lib/decisions/event-timestamp";
import { resolveProvenance, type DecisionProvenance } from "@/lib/decisions/resolve-provenance";

export type DecisionDetail = DecisionSummary & {
  input: unknown;
  result: unknown;
  hasResult: boolean;
  labels: Record<string, string>;
  metrics: Record<string, unknown> | null;
  bundles: Record<string, { revision?: string }> | null;
  extra: Record<string, unknown> | null;
  credentialId: string | null;
  /** Other stored decisions with the same id (a misbehaving agent may reuse ids). */
  sameIdCount: number;
  provenance: DecisionProvenance;
};

type DetailRow = SummaryRow & {
  input: unknown;
  result: unknown;
  labels: Record<string, string>;
  metrics: Record<string, unknown> | null;
  bundles: DecisionDetail["bundles"];
  extra: Record<string, unknown> | null;
  credential_id: string | null;
};

/**
 * One decision with everything stored about it and what decided it. `at` (its timestamp, as list
 * links carry it) goes straight to the right partition; without it the decision-id index of
 * every partition is searched.
 */
export async function getDecisionOrThrow(options: {
  actor: Actor;
  decisionId: string;
  at?: string;
}): Promise<DecisionDetail> {
  requirePermission(options.actor, "decision:read");
  const at = options.at ? parseEventTimestamp(options.at) : null;
  const rows = await readOnly(async (client) => {
    const sql = `SELECT ${SUMMARY_COLUMNS}, d.input, d.result, d.labels, d.metrics, d.bundles, d.extra, d.credential_id
                   FROM decisions d WHERE d.decision_id = $1 ${at ? `AND d."timestamp" = $2::timestamptz` : ""}
                  ORDER BY d."timestamp" DESC LIMIT 20`;
    return (await client.query<DetailRow>(sql, at ? [options.decisionId, at.iso] : [options.decisionId])).rows;
  });
  const row = rows[0];
  if (!row) throw notFound("The decision");
  return {
    ...toSummary(row),
    input: row.input,
    result: row.result,
    hasResult: row.result !== null,
    labels: row.labels,
    metrics: row.metrics,
    bundles: row.bundles,
    extra: row.extra,
    credentialId: row.credential_id,
    sameIdCount: at ? 0 : rows.length - 1,
    provenance: await resolveProvenance(row.bundles),
  };
}
