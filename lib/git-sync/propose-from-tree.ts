import { db, type Tx } from "@/lib/core/db";
import type { Actor } from "@/lib/auth/actor";
import { createPolicyIn } from "@/lib/policies/create-policy";
import { appendPolicyVersionIn, headRegoVersion } from "@/lib/policies/save-policy-version";
import { validatePolicySet } from "@/lib/policies/validate-policy-set";
import { parsePackageRef } from "@/lib/rego/rego-package";
import { createChangeRequestIn, type ChangeRequestOrigin } from "@/lib/change-requests/submit-change-request";

export type GitCommitRef = { sha: string; authorEmail: string; authorName: string; message: string };

/**
 * The seam between git and Verdict's policies: a folder tree read at a commit (paths relative to
 * the link's path) becomes one change request of the policies it changes, or none when it
 * changes nothing. git-sync only ever calls this type. `record` writes the commit's own record;
 * an implementation calls it exactly once, in the same transaction as everything it writes, so
 * a commit is taken in whole or not at all.
 */
export type ProposeFromTree = (input: {
  files: Map<string, string>;
  commit: GitCommitRef;
  linkId: string;
  actor: Actor;
  origin: ChangeRequestOrigin;
  record: (tx: Tx, changeRequestId: string | null) => Promise<void>;
}) => Promise<{ changeRequestId: string | null }>;

const TRANSACTION = { timeout: 60_000, maxWait: 10_000 } as const;

/**
 * The minimal implementation: each `<package path>/policy.rego` (with `policy_test.rego` beside
 * it) is one policy. Every changed module is validated (against the others of the same commit
 * and every other policy) before anything is written; then its versions, any new policies, the
 * change request and the commit's record are written in one transaction.
 */
export const proposeFromTree: ProposeFromTree = async ({ files, commit, actor, origin, record }) => {
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
  if (changed.length === 0) {
    await db.$transaction((tx) => record(tx, null));
    return { changeRequestId: null };
  }
  const planned = await Promise.all(
    changed.map(async (m) => {
      const policy = byPackage.get(m.packagePath);
      return { ...m, policy, regoVersion: policy ? await headRegoVersion(policy.id, policy.headNumber) : "v1" };
    }),
  );
  await validatePolicySet(planned);
  const subject = commit.message.split("\n")[0]!.slice(0, 150) || commit.sha.slice(0, 12);
  const message = `${subject} (git ${commit.sha.slice(0, 12)})`;
  const changeRequestId = await db.$transaction(async (tx) => {
    const versionIds: string[] = [];
    for (const m of planned) {
      if (m.policy) {
        const saved = await appendPolicyVersionIn(tx, {
          actor,
          policyId: m.policy.id,
          expectedVersion: m.policy.headNumber,
          source: m.source,
          regoVersion: m.regoVersion,
          tests: { testSource: m.testSource },
          message,
          action: "policy.version.create",
        });
        versionIds.push(saved.version.id);
      } else {
        const created = await createPolicyIn(tx, {
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
    const cr = await createChangeRequestIn(tx, {
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
    await record(tx, cr.id);
    return cr.id;
  }, TRANSACTION);
  return { changeRequestId };
};
