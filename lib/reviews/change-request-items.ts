import type { Tx } from "@/lib/db";
import { AppError } from "@/lib/http/errors";
import type { ItemContent } from "@/lib/reviews/content-hash";
import type { TChangeRequestItemInput } from "@/lib/reviews/schemas";

/**
 * The kinds of things a change request ships. Each kind turns API input into item rows, and a
 * stored row back into its content (for the hash and the bundle builder). Today: policy versions.
 */
export type ItemRow = { kind: string; position: number; policyId: string | null; policyVersionId: string | null };

export type PolicyVersionItem = {
  kind: "policy_version";
  policyId: string;
  policyName: string;
  packagePath: string;
  versionId: string;
  versionNumber: number;
  sha256: string;
  authorId: string;
};

export type ResolvedItem = PolicyVersionItem;

export async function resolveItemInputs(tx: Tx, inputs: TChangeRequestItemInput[]): Promise<ResolvedItem[]> {
  const versionIds = inputs.filter((i) => i.kind === "policy_version").map((i) => i.policyVersionId);
  const versions = await tx.policyVersion.findMany({ where: { id: { in: versionIds } }, include: { policy: { select: { name: true, packagePath: true } } } });
  const byId = new Map(versions.map((v) => [v.id, v]));
  const seenPolicies = new Set<string>();
  return inputs.map((input, index) => {
    const version = byId.get(input.policyVersionId);
    if (!version) throw itemError(index, "no such policy version");
    if (seenPolicies.has(version.policyId)) throw itemError(index, `${version.policy.packagePath} appears twice; a change request ships one version per policy`);
    seenPolicies.add(version.policyId);
    return {
      kind: "policy_version", policyId: version.policyId, policyName: version.policy.name, packagePath: version.policy.packagePath,
      versionId: version.id, versionNumber: version.number, sha256: version.sha256, authorId: version.authorId,
    };
  });
}

export function toItemRows(items: ResolvedItem[]): ItemRow[] {
  return items.map((item, position) => ({ kind: item.kind, position, policyId: item.policyId, policyVersionId: item.versionId }));
}

/** The items of a stored change request, in order, with the content each pins. */
export async function loadItems(tx: Tx, changeRequestId: string): Promise<ResolvedItem[]> {
  const rows = await tx.changeRequestItem.findMany({
    where: { changeRequestId },
    orderBy: { position: "asc" },
    include: { policyVersion: { include: { policy: { select: { name: true, packagePath: true } } } } },
  });
  return rows.map((row) => {
    if (row.kind !== "policy_version" || !row.policyVersion) throw new Error(`unknown change request item kind ${row.kind}`);
    const v = row.policyVersion;
    return {
      kind: "policy_version", policyId: v.policyId, policyName: v.policy.name, packagePath: v.policy.packagePath,
      versionId: v.id, versionNumber: v.number, sha256: v.sha256, authorId: v.authorId,
    };
  });
}

export function contentOf(item: ResolvedItem): ItemContent {
  return { kind: item.kind, key: item.policyId, packagePath: item.packagePath, versionId: item.versionId, version: item.versionNumber, sha256: item.sha256 };
}

function itemError(index: number, message: string): AppError {
  return new AppError("unprocessable", `Item ${index + 1}: ${message}`, { fieldErrors: [{ path: `body.items.${index}`, message }] });
}
