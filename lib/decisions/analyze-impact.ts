import { db } from "@/lib/core/db";
import { env } from "@/lib/core/env";
import { notFound } from "@/lib/core/errors";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { evalQuery } from "@/lib/opa/eval";
import type { RegoError, RegoModule } from "@/lib/opa/types";
import { isPolicyItem, loadItems, type PolicyVersionItem } from "@/lib/change-requests/change-request-items";
import { changeRequestDependants } from "@/lib/change-requests/change-request-dependants";
import { assembleEvaluationContext } from "@/lib/policy-tests/assemble-evaluation-context";
import { extractAllowed } from "@/lib/decisions/extract-fields";
import { outcomeOf, type DecisionSummary } from "@/lib/decisions/decision-views";
import { readOnly } from "@/lib/decisions/decision-query";
import { IMPACT_PACKAGE, IMPACT_QUERY, buildImpactHarness } from "@/lib/decisions/impact-harness";
import { recentDistinctInputs, type RecordedInput } from "@/lib/decisions/impact-inputs";
import type { TImpactQuery } from "@/lib/decisions/schemas";
import { policyFilePath } from "@/lib/rego/policy-module";
import { withReferencedModules } from "@/lib/policy-tests/policy-references";

type Outcome = DecisionSummary["outcome"];
export type FlipKind = "allow_to_deny" | "deny_to_allow" | "other_change";
export type ImpactExample = {
  kind: FlipKind;
  path: string;
  decisionId: string;
  timestamp: string;
  count: number;
  input: unknown;
  recorded: { outcome: Outcome; result: unknown };
  proposed: { outcome: Outcome; result: unknown; defined: boolean };
};
type Tally = { inputs: number; decisions: number };

export type ImpactReport = {
  changeRequest: number;
  window: { days: number; from: string };
  cap: number;
  truncated: boolean;
  packages: string[];
  paths: string[];
  context: { note: string; bundles: Array<{ name: string; revision: string }> };
  evaluated: Tally;
  flips: Record<FlipKind, Tally>;
  unchanged: Tally;
  examples: ImpactExample[];
  errors: RegoError[];
  durationMs: number;
};

const EXAMPLES_PER_KIND = 10;

/**
 * Impact of a change request on real traffic: the distinct inputs of recent recorded decisions
 * under the changed packages are re-evaluated against the proposed policies (the production
 * context — other published policies and bundle data — with this request's versions swapped in)
 * in one `opa eval`, and compared with what was recorded. Changes nothing.
 */
export async function analyzeImpact(options: {
  actor: Actor;
  number: number;
  query: TImpactQuery;
  now?: number;
}): Promise<ImpactReport> {
  requirePermission(options.actor, "change:impact");
  const days = options.query.windowDays ?? env().IMPACT_WINDOW_DAYS;
  const cap = options.query.cap ?? env().IMPACT_MAX_INPUTS;
  const from = new Date((options.now ?? Date.now()) - days * 86_400_000);
  const cr = await db.changeRequest.findUnique({
    where: { number: options.number },
    select: { id: true, number: true, contentHash: true },
  });
  if (!cr) throw notFound("Change request");
  // Allowlist changes carry no Rego; the policies they feed are re-evaluated with today's data.
  const { items, dependants } = await db.$transaction(async (tx) => {
    const loaded = (await loadItems(tx, cr.id)).filter(isPolicyItem);
    return { items: loaded, dependants: (await changeRequestDependants(tx, loaded, cr.contentHash)).dependants };
  });
  // A library's change shows in the decisions of the policies that use it.
  const packages = [...items.map((i) => i.packagePath), ...dependants.map((d) => d.packagePath)];
  const { modules, context } = await proposedModules(items);
  const recorded = await readOnly((client) => recentDistinctInputs(client, { packages, from, cap }));
  const base = {
    changeRequest: cr.number,
    window: { days, from: from.toISOString() },
    cap,
    truncated: recorded.truncated,
    packages,
    paths: recorded.paths,
    context,
  };
  if (recorded.inputs.length === 0) return { ...base, ...emptyTallies(), examples: [], errors: [], durationMs: 0 };
  const harness = buildImpactHarness(
    recorded.inputs.map((r) => ({ path: r.path, input: r.input, hasInput: r.hasInput })),
  );
  const run = await evalQuery({
    query: IMPACT_QUERY,
    modules: [...modules, { path: `${IMPACT_PACKAGE}/harness.rego`, source: harness.module }],
    data: { ...(context.data ?? {}), [IMPACT_PACKAGE]: harness.data },
    timeoutMs: 60_000,
  });
  if (!run.ok) return { ...base, ...emptyTallies(), examples: [], errors: run.errors, durationMs: run.durationMs };
  const values = (run.results[0]?.expressions[0]?.value ?? {}) as Record<string, unknown>;
  return { ...base, ...compare(recorded.inputs, values), errors: [], durationMs: run.durationMs };
}

/** The modules a change request would ship (its versions over the current context), with the data they see. */
export async function proposedModules(items: PolicyVersionItem[]) {
  const versions = await db.policyVersion.findMany({
    where: { id: { in: items.map((i) => i.versionId) } },
    select: { id: true, source: true, regoVersion: true },
  });
  const versionOf = new Map(versions.map((v) => [v.id, v]));
  // The proposed policies with what they reference, as their tests see it.
  const ctx = await withReferencedModules(
    await assembleEvaluationContext({ policyId: items[0]?.policyId ?? "00000000-0000-0000-0000-000000000000" }),
    items.map((i) => ({ packagePath: i.packagePath, source: versionOf.get(i.versionId)!.source })),
  );
  const replaced = new Set(items.map((i) => policyFilePath(i.packagePath)));
  const modules: RegoModule[] = [
    ...ctx.modules.filter((m) => !replaced.has(m.path)),
    ...items.map((i) => ({
      path: policyFilePath(i.packagePath),
      source: versionOf.get(i.versionId)!.source,
      regoVersion: versionOf.get(i.versionId)!.regoVersion,
    })),
  ];
  return {
    modules,
    context: {
      note: ctx.record.note,
      bundles: ctx.record.bundles.map((b) => ({ name: b.name, revision: b.revision })),
      data: ctx.data,
    },
  };
}

function emptyTallies() {
  const zero = () => ({ inputs: 0, decisions: 0 });
  return {
    evaluated: zero(),
    flips: { allow_to_deny: zero(), deny_to_allow: zero(), other_change: zero() },
    unchanged: zero(),
  };
}

function compare(
  inputs: RecordedInput[],
  values: Record<string, unknown>,
): Pick<ImpactReport, "evaluated" | "flips" | "unchanged" | "examples"> {
  const out = { ...emptyTallies(), examples: [] as ImpactExample[] };
  for (const [i, r] of inputs.entries()) {
    const defined = Object.hasOwn(values, String(i));
    const proposed = outcomeOf(defined ? extractAllowed(values[String(i)]) : null);
    const recorded = outcomeOf(r.allowed);
    const tally = (t: Tally) => {
      t.inputs += 1;
      t.decisions += r.count;
    };
    tally(out.evaluated);
    if (proposed === recorded) {
      tally(out.unchanged);
      continue;
    }
    const kind: FlipKind =
      recorded === "allowed" && proposed === "denied"
        ? "allow_to_deny"
        : recorded === "denied" && proposed === "allowed"
          ? "deny_to_allow"
          : "other_change";
    tally(out.flips[kind]);
    if (out.examples.filter((e) => e.kind === kind).length < EXAMPLES_PER_KIND) {
      out.examples.push({
        kind,
        path: r.path,
        decisionId: r.decisionId,
        timestamp: r.timestamp,
        count: r.count,
        input: r.input,
        recorded: { outcome: recorded, result: r.result },
        proposed: { outcome: proposed, result: defined ? values[String(i)] : null, defined },
      });
    }
  }
  return out;
}
