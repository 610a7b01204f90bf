import { db } from "@/lib/core/db";
import { AppError, notFound } from "@/lib/core/errors";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { canonicalJson } from "@/lib/core/canonical-json";
import { evalQuery, type EvalOptions } from "@/lib/opa/eval";
import type { RegoError } from "@/lib/opa/types";
import { extractAllowed } from "@/lib/decisions/extract-fields";
import { getDecisionOrThrow, type DecisionDetail } from "@/lib/decisions/get-decision";
import { outcomeOf, type DecisionSummary } from "@/lib/decisions/decision-views";
import { policyFilePath } from "@/lib/rego/policy-module";
import type { RegoVersion } from "@/lib/rego/rego-version";

export type ReplayTarget = { value: string; label: string };

export type ReplayResult = {
  against: ReplayTarget;
  query: string;
  recorded: { result: unknown; defined: boolean; outcome: DecisionSummary["outcome"] };
  replayed: { result: unknown; defined: boolean; outcome: DecisionSummary["outcome"] } | null;
  errors: RegoError[];
  /** Same allow/deny outcome as recorded. */
  sameOutcome: boolean;
  /** The same result document (canonical JSON). */
  sameResult: boolean;
  policies: Array<{ packagePath: string; number: number; sha256: string }>;
  durationMs: number;
};

const REVISION_TARGET = /^bundle:(.+):(\d{1,9})$/;
const TARGETS_PER_BUNDLE = 10;

/** `data.a.b` for an OPA decision path "a/b" (bracketed where a segment is not an identifier). */
export function queryForPath(path: string): string {
  return `data${path
    .split("/")
    .filter(Boolean)
    .map((s) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`))
    .join("")}`;
}

/** What a decision can be replayed against: the head versions, and recent published revisions of its bundles. */
export async function replayTargets(decision: Pick<DecisionDetail, "bundles">): Promise<ReplayTarget[]> {
  const names = Object.keys(decision.bundles ?? {});
  const revisions = names.length
    ? await db.bundleRevision.findMany({
        where: { bundle: { name: { in: names } } },
        orderBy: [{ bundleId: "asc" }, { number: "desc" }],
        select: { number: true, revision: true, bundle: { select: { name: true } } },
      })
    : [];
  const targets: ReplayTarget[] = [];
  for (const name of names.sort()) {
    const mine = revisions.filter((r) => r.bundle.name === name).slice(0, TARGETS_PER_BUNDLE);
    const decidedBy = decision.bundles?.[name]?.revision;
    for (const [i, r] of mine.entries()) {
      targets.push({
        value: `bundle:${name}:${r.number}`,
        label: `${name} #${r.number} (${r.revision})${i === 0 ? " — newest" : ""}${r.revision === decidedBy ? " — decided this" : ""}`,
      });
    }
  }
  return [...targets, { value: "current", label: "Current policy heads (unpublished drafts included)" }];
}

/**
 * Re-evaluates a recorded decision's input with one `opa eval` — against a published bundle
 * revision exactly as agents downloaded it, or the head version of every policy — and says
 * whether it would still come out the same. Changes nothing.
 */
export async function replayDecision(options: {
  actor: Actor;
  decisionId: string;
  at?: string;
  against: string;
}): Promise<ReplayResult> {
  requirePermission(options.actor, "decision:read");
  const decision = await getDecisionOrThrow(options);
  if (!decision.path)
    throw new AppError(
      "unprocessable",
      "This decision was an ad-hoc query (no decision path), so it cannot be replayed",
    );
  const target = await loadTarget(options.against);
  const query = queryForPath(decision.path);
  const run = await evalQuery({ query, input: decision.input ?? undefined, timeoutMs: 10_000, ...target.eval });
  const recorded = { result: decision.result, defined: decision.hasResult, outcome: decision.outcome };
  const base = { against: target.target, query, recorded, policies: target.policies, durationMs: run.durationMs };
  if (!run.ok) return { ...base, replayed: null, errors: run.errors, sameOutcome: false, sameResult: false };
  const value = run.results[0]?.expressions[0]?.value;
  const defined = run.results.length > 0;
  const replayed = {
    result: defined ? value : null,
    defined,
    outcome: outcomeOf(defined ? extractAllowed(value) : null),
  };
  return {
    ...base,
    replayed,
    errors: [],
    sameOutcome: replayed.outcome === recorded.outcome,
    sameResult: defined === recorded.defined && (!defined || canonicalJson(value) === canonicalJson(recorded.result)),
  };
}

type LoadedTarget = {
  target: ReplayTarget;
  eval: Pick<EvalOptions, "modules" | "bundles">;
  policies: ReplayResult["policies"];
};

async function loadTarget(against: string): Promise<LoadedTarget> {
  if (against === "current") {
    const heads = await db.$queryRaw<
      Array<{ package_path: string; number: number; sha256: string; source: string; rego_version: RegoVersion }>
    >`
      SELECT p.package_path, v.number, v.sha256, v.source, v.rego_version::text AS rego_version FROM policies p
        JOIN policy_versions v ON v.policy_id = p.id AND v.number = p.head_number ORDER BY p.package_path`;
    return {
      target: { value: "current", label: "Current policy heads" },
      eval: {
        modules: heads.map((h) => ({
          path: policyFilePath(h.package_path),
          source: h.source,
          regoVersion: h.rego_version,
        })),
      },
      policies: heads.map((h) => ({ packagePath: h.package_path, number: h.number, sha256: h.sha256 })),
    };
  }
  const m = REVISION_TARGET.exec(against);
  const revision = m
    ? await db.bundleRevision.findFirst({
        where: { bundle: { name: m[1] }, number: Number(m[2]) },
        select: {
          number: true,
          revision: true,
          bytes: true,
          bundle: { select: { name: true } },
          policyVersions: {
            select: {
              policyVersion: { select: { number: true, sha256: true, policy: { select: { packagePath: true } } } },
            },
          },
        },
      })
    : null;
  if (!revision) throw notFound("The published revision to replay against");
  return {
    target: { value: against, label: `${revision.bundle.name} #${revision.number} (${revision.revision})` },
    eval: { modules: [], bundles: [Buffer.from(revision.bytes)] },
    policies: revision.policyVersions
      .map((p) => ({
        packagePath: p.policyVersion.policy.packagePath,
        number: p.policyVersion.number,
        sha256: p.policyVersion.sha256,
      }))
      .sort((a, b) => a.packagePath.localeCompare(b.packagePath)),
  };
}
