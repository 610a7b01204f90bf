import { db, type Tx } from "@/lib/core/db";
import { AppError, notFound } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { validatePolicySource } from "@/lib/policies/validate-policy-source";
import { referenceCandidates } from "@/lib/policy-tests/policy-references";
import { AUTHOR_SELECT, toVersionView, type PolicyVersionView } from "@/lib/policies/policy-views";
import type { TRestorePolicyVersionRequest, TSavePolicyVersionRequest } from "@/lib/policies/schemas";
import { readStoredCases, testsSha256, withCaseIds, type TestSuite } from "@/lib/policy-tests/test-suite";
import { sha256Hex } from "@/lib/core/sha256";
import type { RegoVersion } from "@/lib/rego/rego-version";

export type SaveResult = { version: PolicyVersionView; created: boolean };

/**
 * Saves the editor's source (and its tests) as the next immutable version. The caller names the
 * version it started from; if someone saved in between, nothing is written and the 409 carries
 * both texts. Tests left out of the request are carried over from the head version.
 */
export async function savePolicyVersion(options: {
  actor: Actor;
  policyId: string;
  input: TSavePolicyVersionRequest;
  requestId?: string;
}): Promise<SaveResult> {
  const { actor, policyId, input } = options;
  requirePermission(actor, "policy:write");
  const policy = await db.policy.findUnique({ where: { id: policyId } });
  if (!policy) throw notFound("Policy");
  const regoVersion = input.regoVersion ?? (await headRegoVersion(policyId, policy.headNumber));
  await validatePolicySource(policy.packagePath, input.source, regoVersion, await referenceCandidates());
  const tests =
    input.testSource === undefined && input.testCases === undefined
      ? null
      : { testSource: input.testSource, cases: input.testCases };
  return appendVersion({
    actor,
    policyId,
    expectedVersion: input.expectedVersion,
    source: input.source,
    regoVersion,
    tests,
    message: input.message,
    action: "policy.version.create",
    requestId: options.requestId,
  });
}

/** Restores an old version by saving its source as a new version (history is never rewritten). */
export async function restorePolicyVersion(options: {
  actor: Actor;
  policyId: string;
  number: number;
  input: TRestorePolicyVersionRequest;
  requestId?: string;
}): Promise<SaveResult> {
  const { actor, policyId, number, input } = options;
  requirePermission(actor, "policy:write");
  const old = await db.policyVersion.findUnique({ where: { policyId_number: { policyId, number } } });
  if (!old) throw notFound("Policy version");
  return appendVersion({
    actor,
    policyId,
    expectedVersion: input.expectedVersion,
    source: old.source,
    regoVersion: old.regoVersion,
    tests: { testSource: old.testSource, cases: readStoredCases(old.testCases) },
    message: input.message || `Restored version ${number}`,
    action: "policy.version.restore",
    requestId: options.requestId,
    restoredFrom: number,
  });
}

type SuiteChange = {
  testSource?: string;
  cases?: TestSuite["cases"] | Array<Omit<TestSuite["cases"][number], "id"> & { id?: string }>;
} | null;

type AppendArgs = {
  actor: Actor;
  policyId: string;
  expectedVersion: number;
  source: string;
  regoVersion: RegoVersion;
  tests: SuiteChange;
  message: string;
  action: string;
  requestId?: string;
  restoredFrom?: number;
};

async function appendVersion(args: AppendArgs): Promise<SaveResult> {
  return db.$transaction((tx) => appendPolicyVersionIn(tx, args));
}

/**
 * The next version inside the caller's transaction, for a caller that writes several policies
 * at once (a git commit). The source must already have passed validatePolicySource.
 */
export async function appendPolicyVersionIn(tx: Tx, args: AppendArgs): Promise<SaveResult> {
  const head = await currentHead(tx, args.policyId);
  if (head.number !== args.expectedVersion) throw conflict(head, args.source, args.expectedVersion);
  const sha256 = sha256Hex(args.source);
  const suite: TestSuite = {
    testSource: args.tests?.testSource ?? head.testSource,
    cases: args.tests?.cases ? withCaseIds(args.tests.cases) : head.testCases,
  };
  const suiteSha256 = testsSha256(suite);
  if (head.sha256 === sha256 && head.testsSha256 === suiteSha256 && head.regoVersion === args.regoVersion)
    return { version: head, created: false };
  // The guarded update is the lock: of two concurrent saves from the same head, one matches no row.
  const bumped = await tx.policy.updateMany({
    where: { id: args.policyId, headNumber: args.expectedVersion },
    data: { headNumber: args.expectedVersion + 1 },
  });
  if (bumped.count !== 1) throw conflict(await currentHead(tx, args.policyId), args.source, args.expectedVersion);
  const created = await tx.policyVersion.create({
    data: {
      policyId: args.policyId,
      number: args.expectedVersion + 1,
      source: args.source,
      sha256,
      message: args.message,
      authorId: args.actor.userId,
      parentId: head.id,
      testSource: suite.testSource,
      testCases: suite.cases,
      testsSha256: suiteSha256,
      regoVersion: args.regoVersion,
    },
    include: { author: AUTHOR_SELECT },
  });
  await recordAuditEvent(tx, {
    actor: args.actor,
    action: args.action,
    target: { type: "policy", id: args.policyId },
    before: {
      version: head.number,
      sha256: head.sha256,
      testsSha256: head.testsSha256,
      regoVersion: head.regoVersion,
    },
    after: {
      version: created.number,
      sha256,
      testsSha256: suiteSha256,
      regoVersion: args.regoVersion,
      cases: suite.cases.length,
      ...(args.restoredFrom ? { restoredFrom: args.restoredFrom } : {}),
    },
    requestId: args.requestId,
  });
  return { version: toVersionView(created), created: true };
}

export async function headRegoVersion(policyId: string, number: number): Promise<RegoVersion> {
  const head = await db.policyVersion.findUnique({
    where: { policyId_number: { policyId, number } },
    select: { regoVersion: true },
  });
  return head?.regoVersion ?? "v1";
}

async function currentHead(tx: Tx, policyId: string): Promise<PolicyVersionView> {
  const policy = await tx.policy.findUnique({ where: { id: policyId }, select: { headNumber: true } });
  if (!policy) throw notFound("Policy");
  const head = await tx.policyVersion.findUniqueOrThrow({
    where: { policyId_number: { policyId, number: policy.headNumber } },
    include: { author: AUTHOR_SELECT },
  });
  return toVersionView(head);
}

function conflict(head: PolicyVersionView, yours: string, expectedVersion: number): AppError {
  return new AppError(
    "conflict",
    `Version ${head.number} was saved by ${head.author.email} after you started editing version ${expectedVersion}`,
    {
      extra: { current: head, yours: { basedOn: expectedVersion, source: yours } },
    },
  );
}
