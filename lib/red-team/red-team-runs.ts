import { db, type Tx } from "@/lib/core/db";
import { notFound } from "@/lib/core/errors";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { changeRequestContentHash } from "@/lib/change-requests/content-hash";
import { contentOf, loadItems } from "@/lib/change-requests/change-request-items";
import type { RegoError } from "@/lib/opa/types";
import type { RedTeamFinding, RedTeamRunView } from "@/lib/red-team/run-red-team";

/** A change request's red-team runs, newest first; `current` marks runs of its present content. */
export async function listRedTeamRuns(options: { actor: Actor; number: number }): Promise<RedTeamRunView[]> {
  requirePermission(options.actor, "policy:read");
  const cr = await db.changeRequest.findUnique({ where: { number: options.number }, select: { id: true } });
  if (!cr) throw notFound("Change request");
  const contentHash = changeRequestContentHash((await db.$transaction((tx) => loadItems(tx, cr.id))).map(contentOf));
  const runs = await db.redTeamRun.findMany({
    where: { changeRequestId: cr.id },
    orderBy: { createdAt: "desc" },
    take: 20,
    include: { runBy: { select: { email: true } } },
  });
  return runs.map((r) => ({
    id: r.id,
    changeRequest: options.number,
    passed: r.passed,
    current: r.contentHash === contentHash,
    probes: r.probes,
    findings: r.findings as RedTeamFinding[],
    errors: r.errors as RegoError[],
    durationMs: r.durationMs,
    runBy: r.runBy.email,
    createdAt: r.createdAt.toISOString(),
  }));
}

/** The publish gate: the latest red-team run of the change request's exact content, when one ran. */
export async function redTeamGate(
  tx: Tx,
  changeRequestId: string,
  contentHash: string,
): Promise<{ ran: boolean; passed: boolean; findings: number }> {
  const latest = await tx.redTeamRun.findFirst({
    where: { changeRequestId, contentHash },
    orderBy: { createdAt: "desc" },
    select: { passed: true, findings: true },
  });
  if (!latest) return { ran: false, passed: true, findings: 0 };
  return { ran: true, passed: latest.passed, findings: (latest.findings as unknown[]).length };
}
