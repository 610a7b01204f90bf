import { db } from "@/lib/core/db";
import { env } from "@/lib/core/env";
import { AppError, notFound } from "@/lib/core/errors";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { evalQuery } from "@/lib/opa/eval";
import type { RegoError } from "@/lib/opa/types";
import { changeRequestContentHash } from "@/lib/change-requests/content-hash";
import { contentOf, isPolicyItem, loadItems } from "@/lib/change-requests/change-request-items";
import { AUTHZ_POLICY_BUNDLE_PATH } from "@/lib/allowlists/authz-policy";
import type { AllowlistsDocument } from "@/lib/allowlists/opa-data";
import { proposedModules } from "@/lib/decisions/analyze-impact";
import { readOnly } from "@/lib/decisions/decision-query";
import { extractAllowed } from "@/lib/decisions/extract-fields";
import { IMPACT_PACKAGE, IMPACT_QUERY, buildImpactHarness, type ImpactCase } from "@/lib/decisions/impact-harness";
import { recentDistinctInputs } from "@/lib/decisions/impact-inputs";
import { allowlistProbes, type ProbeFamily } from "@/lib/red-team/allowlist-probes";
import { mutateInput } from "@/lib/red-team/decision-mutations";

/** How many recorded allowed decisions are mutated per run. */
const RECORDED_INPUTS = 200;
const AUTHZ_DECISION_PATH = "verdict/authz/allow";

export type RedTeamFinding =
  | { type: "allowlist"; family: ProbeFamily; description: string; input: unknown }
  | { type: "decision"; path: string; decisionId: string; input: unknown; mutations: string[] };

export type RedTeamRunView = {
  id: string;
  changeRequest: number;
  passed: boolean;
  current: boolean;
  probes: number;
  findings: RedTeamFinding[];
  errors: RegoError[];
  durationMs: number;
  runBy: string;
  createdAt: string;
};

type Probe = ImpactCase &
  ({ type: "allowlist"; family: ProbeFamily; description: string } | { type: "mutation"; of: number });

/**
 * Runs generated adversarial inputs against the policies a change request proposes, in one
 * `opa eval`, and records the run:
 * - for the shipped allowlist policy: every request the allowlists do not cover must be denied,
 *   near misses included (see allowlist-probes.ts);
 * - for every policy: mutations of recently recorded allowed decisions (another identity,
 *   another method, an attribute left out) must not all stay allowed.
 */
export async function runRedTeam(options: {
  actor: Actor;
  number: number;
  requestId?: string;
  now?: Date;
}): Promise<RedTeamRunView> {
  const { actor } = options;
  requirePermission(actor, "test:run");
  const now = options.now ?? new Date();
  const cr = await db.changeRequest.findUnique({ where: { number: options.number }, select: { id: true } });
  if (!cr) throw notFound("Change request");
  const items = await db.$transaction((tx) => loadItems(tx, cr.id));
  const policyItems = items.filter(isPolicyItem);
  if (policyItems.length === 0)
    throw new AppError(
      "unprocessable",
      "This change request proposes no policy versions: there is nothing to red-team",
    );
  const contentHash = changeRequestContentHash(items.map(contentOf));
  const { modules, context } = await proposedModules(policyItems);

  const probes: Probe[] = [];
  const allowlists = (context.data as { verdict?: { allowlists?: AllowlistsDocument } } | undefined)?.verdict
    ?.allowlists;
  if (allowlists && modules.some((m) => m.path === AUTHZ_POLICY_BUNDLE_PATH))
    for (const p of allowlistProbes(allowlists, now.getTime() * 1_000_000))
      probes.push({
        type: "allowlist",
        family: p.family,
        description: p.description,
        path: AUTHZ_DECISION_PATH,
        input: p.input,
        hasInput: true,
      });
  const recorded = await readOnly((client) =>
    recentDistinctInputs(client, {
      packages: policyItems.map((i) => i.packagePath),
      from: new Date(now.getTime() - env().IMPACT_WINDOW_DAYS * 86_400_000),
      cap: RECORDED_INPUTS,
    }),
  );
  const allowed = recorded.inputs.filter((r) => r.allowed === true && r.hasInput);
  allowed.forEach((r, of) => {
    for (const m of mutateInput(r.input))
      probes.push({ type: "mutation", of, path: r.path, input: m.input, hasInput: true });
  });

  let findings: RedTeamFinding[] = [];
  let errors: RegoError[] = [];
  let durationMs = 0;
  if (probes.length > 0) {
    const harness = buildImpactHarness(probes);
    const run = await evalQuery({
      query: IMPACT_QUERY,
      modules: [...modules, { path: `${IMPACT_PACKAGE}/harness.rego`, source: harness.module }],
      data: { ...((context.data as object | undefined) ?? {}), [IMPACT_PACKAGE]: harness.data },
      timeoutMs: 120_000,
    });
    durationMs = run.durationMs;
    if (run.ok) {
      const values = (run.results[0]?.expressions[0]?.value ?? {}) as Record<string, unknown>;
      const allows = (i: number) =>
        Object.hasOwn(values, String(i)) && extractAllowed(values[String(i)] as never) === true;
      findings = judge(probes, allows, allowed);
    } else errors = run.errors;
  }
  const passed = errors.length === 0 && findings.length === 0;
  const stored = await db.$transaction(async (tx) => {
    const row = await tx.redTeamRun.create({
      data: {
        changeRequestId: cr.id,
        contentHash,
        runById: actor.userId,
        passed,
        probes: probes.length,
        findings: findings as object[],
        errors: errors as object[],
        durationMs: Math.round(durationMs),
      },
    });
    await recordAuditEvent(tx, {
      actor,
      action: "red_team.run",
      target: { type: "change_request", id: cr.id },
      after: { runId: row.id, passed, probes: probes.length, findings: findings.length },
      requestId: options.requestId,
    });
    return row;
  });
  return {
    id: stored.id,
    changeRequest: options.number,
    passed,
    current: true,
    probes: probes.length,
    findings,
    errors,
    durationMs: stored.durationMs,
    runBy: actor.email,
    createdAt: stored.createdAt.toISOString(),
  };
}

function judge(
  probes: Probe[],
  allows: (i: number) => boolean,
  recorded: Array<{ path: string; decisionId: string; input: unknown }>,
): RedTeamFinding[] {
  const findings: RedTeamFinding[] = [];
  const mutations = new Map<number, { total: number; allowed: number }>();
  probes.forEach((p, i) => {
    if (p.type === "allowlist") {
      if (allows(i)) findings.push({ type: "allowlist", family: p.family, description: p.description, input: p.input });
      return;
    }
    const tally = mutations.get(p.of) ?? { total: 0, allowed: 0 };
    tally.total += 1;
    if (allows(i)) tally.allowed += 1;
    mutations.set(p.of, tally);
  });
  for (const [of, tally] of mutations) {
    if (tally.allowed < tally.total) continue;
    const r = recorded[of]!;
    findings.push({
      type: "decision",
      path: r.path,
      decisionId: r.decisionId,
      input: r.input,
      mutations: mutateInput(r.input).map((m) => m.description),
    });
  }
  return findings;
}
