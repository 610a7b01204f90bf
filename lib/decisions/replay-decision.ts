import { db } from "@/lib/db";
import { AppError } from "@/lib/http/errors";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { canonicalJson } from "@/lib/canonical-json";
import { evalQuery } from "@/lib/opa/eval";
import type { RegoError, RegoModule } from "@/lib/opa/types";
import { extractAllowed } from "@/lib/decisions/extract-fields";
import { getDecisionOrThrow } from "@/lib/decisions/get-decision";
import { outcomeOf, type DecisionSummary } from "@/lib/decisions/decision-views";

export type ReplayTarget = { kind: "current"; label: string };

export type ReplayResult = {
  against: ReplayTarget;
  query: string;
  recorded: { result: unknown; defined: boolean; outcome: DecisionSummary["outcome"] };
  replayed: { result: unknown; defined: boolean; outcome: DecisionSummary["outcome"] } | null;
  errors: RegoError[];
  /** Same allow/deny outcome as recorded. */
  sameOutcome: boolean;
  /** Byte-for-byte the same result document (canonical JSON). */
  sameResult: boolean;
  policies: Array<{ packagePath: string; number: number; sha256: string }>;
  durationMs: number;
};

/** `data.a.b` for an OPA decision path "a/b" (bracketed where a segment is not an identifier). */
export function queryForPath(path: string): string {
  return `data${path.split("/").filter(Boolean).map((s) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`)).join("")}`;
}

/**
 * Re-evaluates a recorded decision's input with one `opa eval` and says whether the decision
 * would still come out the same. Changes nothing. "current" means the head version of every policy.
 */
export async function replayDecision(options: { actor: Actor; decisionId: string; at?: string; against: string }): Promise<ReplayResult> {
  requirePermission(options.actor, "decision:read");
  const decision = await getDecisionOrThrow(options);
  if (!decision.path) throw new AppError("unprocessable", "This decision was an ad-hoc query (no decision path), so it cannot be replayed");
  if (options.against !== "current") throw new AppError("not_found", `No published revision "${options.against}" to replay against`);
  const { modules, policies } = await currentModules();
  const query = queryForPath(decision.path);
  const run = await evalQuery({ query, modules, input: decision.input ?? undefined, timeoutMs: 10_000 });
  const recorded = { result: decision.result, defined: decision.hasResult, outcome: decision.outcome };
  if (!run.ok) {
    return { against: { kind: "current", label: "Current policy heads" }, query, recorded, replayed: null, errors: run.errors, sameOutcome: false, sameResult: false, policies, durationMs: run.durationMs };
  }
  const value = run.results[0]?.expressions[0]?.value;
  const defined = run.results.length > 0;
  const replayed = { result: defined ? value : null, defined, outcome: outcomeOf(defined ? extractAllowed(value) : null) };
  return {
    against: { kind: "current", label: "Current policy heads" }, query, recorded, replayed, errors: [],
    sameOutcome: replayed.outcome === recorded.outcome,
    sameResult: defined === recorded.defined && (!defined || canonicalJson(value) === canonicalJson(recorded.result)),
    policies, durationMs: run.durationMs,
  };
}

async function currentModules(): Promise<{ modules: RegoModule[]; policies: ReplayResult["policies"] }> {
  const heads = await db.$queryRaw<Array<{ package_path: string; number: number; sha256: string; source: string }>>`
    SELECT p.package_path, v.number, v.sha256, v.source FROM policies p
      JOIN policy_versions v ON v.policy_id = p.id AND v.number = p.head_number ORDER BY p.package_path`;
  return {
    modules: heads.map((h) => ({ path: `${h.package_path.replaceAll(".", "/")}/policy.rego`, source: h.source })),
    policies: heads.map((h) => ({ packagePath: h.package_path, number: h.number, sha256: h.sha256 })),
  };
}
