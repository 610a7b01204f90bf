import { randomUUID } from "node:crypto";
import { db, type Tx } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import { ADVISORY_LOCKS } from "@/lib/core/advisory-locks";
import { recordAuditEvent, recordAuditEvents } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import type { Prisma } from "@/lib/generated/prisma/client";
import { testsSha256, withCaseIds } from "@/lib/policy-tests/test-suite";
import { createChangeRequestIn } from "@/lib/change-requests/submit-change-request";
import {
  previewRepositoryImport,
  type RepositoryPlan,
  type RepositoryPreview,
} from "@/lib/policy-repository/preview-repository-import";
import type { RepositoryEntry } from "@/lib/policy-repository/read-repository-upload";

export type RepositoryImportResult = {
  preview: RepositoryPreview;
  created: Array<{ packagePath: string; policyId: string; version: number }>;
  updated: Array<{ packagePath: string; policyId: string; version: number }>;
  data: { created: string[]; updated: string[] };
  changeRequest: { number: number } | null;
};

/** A change request holds at most this many items (lib/change-requests/schemas.ts). */
const MAX_CHANGE_REQUEST_ITEMS = 100;
const TRANSACTION = { timeout: 120_000, maxWait: 10_000 } as const;

/**
 * Imports a repository as one transaction: new policies, a new version of every policy whose
 * content changed, the data documents, an audit event for each and one for the import, and
 * optionally one change request over every new version. A repository with any refusal, or one
 * whose plan moved since the preview it names, writes nothing; so does one that changes nothing.
 */
export async function applyRepositoryImport(options: {
  actor: Actor;
  entries: RepositoryEntry[];
  expectedPlanHash?: string;
  changeRequest?: { title: string; description?: string };
  message?: string;
  requestId?: string;
}): Promise<RepositoryImportResult> {
  const { actor } = options;
  requirePermission(actor, "policy:write");
  if (options.changeRequest) requirePermission(actor, "change:submit");
  const plan = await previewRepositoryImport({ actor, entries: options.entries });
  const { preview } = plan;
  if (preview.refusals.length > 0)
    throw new AppError(
      "unprocessable",
      `The repository was refused (${preview.refusals.length} problem${preview.refusals.length === 1 ? "" : "s"}); nothing was imported`,
      { extra: { refusals: preview.refusals, preview } },
    );
  if (options.expectedPlanHash && options.expectedPlanHash !== preview.planHash)
    throw new AppError("conflict", "Policies or data changed since the preview; preview the repository again", {
      extra: { preview },
    });
  const changed = plan.writes.policies.filter((w) => w.item.status !== "unchanged");
  if (options.changeRequest && changed.length === 0)
    throw new AppError(
      "unprocessable",
      "No policy changed, so there is nothing to propose in a change request (data documents are not its items)",
    );
  if (options.changeRequest && changed.length > MAX_CHANGE_REQUEST_ITEMS)
    throw new AppError(
      "unprocessable",
      `${changed.length} policies changed; one change request holds at most ${MAX_CHANGE_REQUEST_ITEMS}`,
    );
  if (changed.length === 0 && preview.summary.dataChanged === 0)
    return { preview, created: [], updated: [], data: { created: [], updated: [] }, changeRequest: null };
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${ADVISORY_LOCKS.repositoryImport})`;
    const written = await writePolicies(
      tx,
      actor,
      plan,
      options.message || "Imported from a repository",
      options.requestId,
    );
    const data = await writeData(tx, actor, plan);
    const changeRequest = options.changeRequest
      ? await createChangeRequestIn(tx, {
          actor,
          requestId: options.requestId,
          input: {
            title: options.changeRequest.title,
            description: options.changeRequest.description ?? "",
            items: written.versionIds.map((policyVersionId) => ({ kind: "policy_version" as const, policyVersionId })),
          },
        })
      : null;
    await recordAuditEvent(tx, {
      actor,
      action: "policy_repository.import",
      target: { type: "policy_repository" },
      after: {
        planHash: preview.planHash,
        created: written.created.map((c) => `${c.packagePath}@${c.version}`),
        updated: written.updated.map((c) => `${c.packagePath}@${c.version}`),
        unchanged: preview.summary.unchanged,
        data: data,
        changeRequest: changeRequest?.number ?? null,
      },
      requestId: options.requestId,
    });
    return {
      preview,
      created: written.created,
      updated: written.updated,
      data,
      changeRequest: changeRequest ? { number: changeRequest.number } : null,
    };
  }, TRANSACTION);
}

type Written = Array<{ packagePath: string; policyId: string; version: number }>;

async function writePolicies(tx: Tx, actor: Actor, plan: RepositoryPlan, message: string, requestId?: string) {
  const created: Written = [];
  const updated: Written = [];
  const versionIds: string[] = [];
  const policyRows: Prisma.PolicyCreateManyInput[] = [];
  const versionRows: Prisma.PolicyVersionCreateManyInput[] = [];
  const userId = actor.userId;
  for (const w of plan.writes.policies) {
    if (w.item.status === "unchanged") continue;
    const suite = { testSource: w.suite.testSource, cases: withCaseIds(w.suite.cases) };
    const versionId = randomUUID();
    versionIds.push(versionId);
    const common = {
      id: versionId,
      source: w.planned.source,
      sha256: w.sha256,
      message,
      authorId: userId,
      testSource: suite.testSource,
      testCases: suite.cases,
      testsSha256: testsSha256(suite),
    };
    if (w.item.status === "new") {
      const policyId = randomUUID();
      policyRows.push({
        id: policyId,
        name: w.planned.packagePath,
        packagePath: w.planned.packagePath,
        owner: actor.email,
        headNumber: 1,
        createdById: userId,
      });
      versionRows.push({ ...common, policyId, number: 1 });
      created.push({ packagePath: w.planned.packagePath, policyId, version: 1 });
      continue;
    }
    const policyId = w.item.policyId!;
    const number = w.item.headVersion! + 1;
    // The guarded update is the lock: a save since the preview matches no row.
    const bumped = await tx.policy.updateMany({
      where: { id: policyId, headNumber: w.item.headVersion! },
      data: { headNumber: number },
    });
    if (bumped.count !== 1)
      throw new AppError(
        "conflict",
        `${w.planned.packagePath} was saved while importing; preview the repository again`,
      );
    const parent = await tx.policyVersion.findUniqueOrThrow({
      where: { policyId_number: { policyId, number: w.item.headVersion! } },
      select: { id: true },
    });
    versionRows.push({ ...common, policyId, number, parentId: parent.id });
    updated.push({ packagePath: w.planned.packagePath, policyId, version: number });
  }
  if (policyRows.length) {
    const clash = await tx.policy.findMany({
      where: { packagePath: { in: policyRows.map((p) => p.packagePath) } },
      select: { packagePath: true },
    });
    if (clash.length)
      throw new AppError("conflict", `${clash.map((c) => c.packagePath).join(", ")} was created while importing`);
    await tx.policy.createMany({ data: policyRows });
  }
  if (versionRows.length) await tx.policyVersion.createMany({ data: versionRows });
  const byPolicy = new Map(versionRows.map((v) => [v.policyId, v]));
  await recordAuditEvents(tx, [
    ...created.map((c) => ({
      actor,
      action: "policy.create",
      target: { type: "policy", id: c.policyId },
      after: {
        name: c.packagePath,
        packagePath: c.packagePath,
        owner: actor.email,
        version: 1,
        sha256: byPolicy.get(c.policyId)!.sha256,
        via: "repository_import",
      },
      requestId,
    })),
    ...updated.map((u) => ({
      actor,
      action: "policy.version.create",
      target: { type: "policy", id: u.policyId },
      before: { version: u.version - 1 },
      after: {
        version: u.version,
        sha256: byPolicy.get(u.policyId)!.sha256,
        testsSha256: byPolicy.get(u.policyId)!.testsSha256,
        via: "repository_import",
      },
      requestId,
    })),
  ]);
  return { created, updated, versionIds };
}

async function writeData(tx: Tx, actor: Actor, plan: RepositoryPlan) {
  const created: string[] = [];
  const updated: string[] = [];
  for (const d of plan.writes.data) {
    if (d.item.status === "unchanged") continue;
    const value = d.planned.value as Prisma.InputJsonValue;
    if (d.id) {
      const done = await tx.repositoryDataDocument.updateMany({
        where: { id: d.id, sha256: { not: d.sha256 } },
        data: { value, sha256: d.sha256, updatedById: actor.userId },
      });
      if (done.count !== 1) throw new AppError("conflict", `data at ${d.item.path} changed while importing`);
      updated.push(d.item.path);
    } else {
      if (await tx.repositoryDataDocument.findUnique({ where: { path: d.item.path }, select: { id: true } }))
        throw new AppError("conflict", `data at ${d.item.path} was imported while importing; preview again`);
      await tx.repositoryDataDocument.create({
        data: { path: d.item.path, value, sha256: d.sha256, updatedById: actor.userId },
      });
      created.push(d.item.path);
    }
  }
  return { created, updated };
}
