import { db } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import type { Actor } from "@/lib/auth/actor";
import { createPolicy } from "@/lib/policies/create-policy";
import { savePolicyVersion } from "@/lib/policies/save-policy-version";
import { validatePolicySource } from "@/lib/policies/validate-policy-source";
import { parsePackageRef } from "@/lib/rego/rego-package";
import { createChangeRequest, type ChangeRequestOrigin } from "@/lib/change-requests/submit-change-request";

export type GitCommitRef = { sha: string; authorEmail: string; authorName: string; message: string };

/**
 * The seam between git and Verdict's policies: a folder tree read at a commit (paths relative to
 * the link's path) becomes one change request of the policies it changes, or none when it
 * changes nothing. git-sync only ever calls this type.
 */
export type ProposeFromTree = (input: {
  files: Map<string, string>;
  commit: GitCommitRef;
  linkId: string;
  actor: Actor;
  origin: ChangeRequestOrigin;
}) => Promise<{ changeRequestId: string | null }>;

/**
 * The minimal implementation: each `<package path>/policy.rego` (with `policy_test.rego` beside
 * it) is one policy. Everything is validated before anything is written.
 */
export const proposeFromTree: ProposeFromTree = async ({ files, commit, actor, origin }) => {
  const modules = [...files]
    .filter(([file]) => file === "policy.rego" || file.endsWith("/policy.rego"))
    .map(([file, source]) => {
      const dir = file.slice(0, -"/policy.rego".length);
      return { packagePath: dir.split("/").join("."), source, testSource: files.get(`${dir}/policy_test.rego`) ?? "" };
    })
    .filter((m) => parsePackageRef(m.packagePath).ok);
  const existing = await db.policy.findMany({
    where: { packagePath: { in: modules.map((m) => m.packagePath) } },
    select: { id: true, packagePath: true, headNumber: true, versions: { orderBy: { number: "desc" }, take: 1 } },
  });
  const byPackage = new Map(existing.map((p) => [p.packagePath, p]));
  const changed = modules.filter((m) => {
    const head = byPackage.get(m.packagePath)?.versions[0];
    return !head || head.source !== m.source || head.testSource !== m.testSource;
  });
  if (changed.length === 0) return { changeRequestId: null };
  for (const m of changed) {
    await validatePolicySource(m.packagePath, m.source).catch((error: unknown) => {
      if (error instanceof AppError) throw new AppError(error.code, `${m.packagePath}: ${error.message}`, error);
      throw error;
    });
  }
  const subject = commit.message.split("\n")[0]!.slice(0, 150) || commit.sha.slice(0, 12);
  const versionIds: string[] = [];
  for (const m of changed) {
    const policy = byPackage.get(m.packagePath);
    const message = `${subject} (git ${commit.sha.slice(0, 12)})`;
    if (policy) {
      const saved = await savePolicyVersion({
        actor,
        policyId: policy.id,
        input: { source: m.source, testSource: m.testSource, message, expectedVersion: policy.headNumber },
      });
      versionIds.push(saved.version.id);
    } else {
      const created = await createPolicy({
        actor,
        input: {
          name: m.packagePath,
          packagePath: m.packagePath,
          description: `Taken in from git (${origin.remote}, ${origin.branch})`,
          owner: commit.authorEmail || "git",
          source: m.source,
          message,
          testSource: m.testSource,
        },
      });
      versionIds.push(created.head.id);
    }
  }
  const cr = await createChangeRequest({
    actor,
    origin,
    input: {
      title: `git: ${subject}`.slice(0, 200),
      description:
        `Commit ${commit.sha} by ${commit.authorName} <${commit.authorEmail}> on ${origin.branch}.\n\n${commit.message}`.slice(
          0,
          10_000,
        ),
      items: versionIds.map((policyVersionId) => ({ kind: "policy_version" as const, policyVersionId })),
    },
  });
  return { changeRequestId: cr.id };
};
