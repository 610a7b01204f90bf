import { db } from "@/lib/core/db";
import { notFound } from "@/lib/core/errors";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { ROLLOUT_ROW, selectorOf } from "@/lib/rollouts/rollout-transitions";

export type RolloutView = {
  id: string;
  bundle: string;
  state: "running" | "promoted" | "aborted";
  baseline: { number: number; revision: string };
  canary: { number: number; revision: string };
  selector: Record<string, string> | null;
  stages: number[];
  stage: { index: number; percent: number; startedAt: string };
  minSoakSeconds: number;
  thresholds: unknown;
  canaryCredentialIds: string[];
  canaryAgents: Array<{ identity: string; credentialName: string | null; labels: unknown; lastSeenAt: string }>;
  lastEvaluation: unknown;
  endedReason: string | null;
  startedBy: string;
  createdAt: string;
  endedAt: string | null;
};

type Row = NonNullable<Awaited<ReturnType<typeof findRow>>>;

function findRow(where: { id: string; bundle: { name: string } }) {
  return db.bundleRollout.findFirst({ where, include: ROLLOUT_ROW });
}

async function viewOf(row: Row, withAgents: boolean): Promise<RolloutView> {
  const agents = withAgents
    ? await db.agent.findMany({
        where: { credentialId: { in: row.canaryCredentialIds } },
        orderBy: { identity: "asc" },
        take: 200,
        select: { identity: true, labels: true, lastSeenAt: true, credential: { select: { name: true } } },
      })
    : [];
  return {
    id: row.id,
    bundle: row.bundle.name,
    state: row.state,
    baseline: { number: row.baselineRevision.number, revision: row.baselineRevision.revision },
    canary: { number: row.canaryRevision.number, revision: row.canaryRevision.revision },
    selector: selectorOf(row),
    stages: row.stages,
    stage: { index: row.stageIndex, percent: row.stages[row.stageIndex]!, startedAt: row.stageStartedAt.toISOString() },
    minSoakSeconds: row.minSoakSeconds,
    thresholds: row.thresholds,
    canaryCredentialIds: row.canaryCredentialIds,
    canaryAgents: agents.map((a) => ({
      identity: a.identity,
      credentialName: a.credential?.name ?? null,
      labels: a.labels,
      lastSeenAt: a.lastSeenAt.toISOString(),
    })),
    lastEvaluation: row.lastEvaluation,
    endedReason: row.endedReason,
    startedBy: row.startedBy.email,
    createdAt: row.createdAt.toISOString(),
    endedAt: row.endedAt?.toISOString() ?? null,
  };
}

export async function getRollout(options: { actor: Actor; name: string; id: string }): Promise<RolloutView> {
  requirePermission(options.actor, "bundle:read");
  const row = await findRow({ id: options.id, bundle: { name: options.name } });
  if (!row) throw notFound("Rollout");
  return viewOf(row, true);
}

export async function listRollouts(options: { actor: Actor; name: string }): Promise<{ rollouts: RolloutView[] }> {
  requirePermission(options.actor, "bundle:read");
  const bundle = await db.bundle.findUnique({ where: { name: options.name }, select: { id: true } });
  if (!bundle) throw notFound("Bundle");
  const rows = await db.bundleRollout.findMany({
    where: { bundleId: bundle.id },
    orderBy: { createdAt: "desc" },
    take: 50,
    include: ROLLOUT_ROW,
  });
  return { rollouts: await Promise.all(rows.map((r) => viewOf(r, false))) };
}

/** Every rollout in progress, across bundles (for the fleet page), oldest first. */
export async function listRunningRollouts(options: { actor: Actor }): Promise<RolloutView[]> {
  requirePermission(options.actor, "bundle:read");
  const rows = await db.bundleRollout.findMany({
    where: { state: "running" },
    orderBy: { createdAt: "asc" },
    take: 100,
    include: ROLLOUT_ROW,
  });
  return Promise.all(rows.map((r) => viewOf(r, false)));
}
