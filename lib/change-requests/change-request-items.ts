import type { Tx } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import type { ItemContent } from "@/lib/change-requests/content-hash";
import type { TChangeRequestItemInput } from "@/lib/change-requests/schemas";

/**
 * The kinds of things a change request ships. Each kind turns API input into item rows, and a
 * stored row back into its content (for the hash and the bundle builder): policy versions, and
 * allowlist changes.
 */
export type ItemRow = {
  kind: string;
  position: number;
  policyId: string | null;
  policyVersionId: string | null;
  allowlistChangeSetId: string | null;
};

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

export type AllowlistChangeItem = {
  kind: "allowlist_change";
  changeSetId: string;
  sha256: string;
  summary: string;
  authorId: string;
};

export type ResolvedItem = PolicyVersionItem | AllowlistChangeItem;

export const isPolicyItem = (item: ResolvedItem): item is PolicyVersionItem => item.kind === "policy_version";
export const isAllowlistItem = (item: ResolvedItem): item is AllowlistChangeItem => item.kind === "allowlist_change";

type VersionRow = {
  id: string;
  policyId: string;
  number: number;
  sha256: string;
  authorId: string;
  policy: { name: string; packagePath: string };
};
type ChangeSetRow = { id: string; sha256: string; summary: string; createdById: string };

export async function resolveItemInputs(tx: Tx, inputs: TChangeRequestItemInput[]): Promise<ResolvedItem[]> {
  const versionIds = inputs.flatMap((i) => (i.kind === "policy_version" ? [i.policyVersionId] : []));
  const changeSetIds = inputs.flatMap((i) => (i.kind === "allowlist_change" ? [i.allowlistChangeSetId] : []));
  const versions = await tx.policyVersion.findMany({
    where: { id: { in: versionIds } },
    include: { policy: { select: { name: true, packagePath: true } } },
  });
  const changeSets = await tx.allowlistChangeSet.findMany({
    where: { id: { in: changeSetIds } },
    select: { id: true, sha256: true, summary: true, createdById: true },
  });
  const byId = new Map(versions.map((v) => [v.id, v]));
  const setsById = new Map(changeSets.map((c) => [c.id, c]));
  const seen = new Set<string>();
  return inputs.map((input, index) => {
    if (input.kind === "allowlist_change") {
      const set = setsById.get(input.allowlistChangeSetId);
      if (!set) throw itemError(index, "no such allowlist change");
      if (seen.has(set.id)) throw itemError(index, "this allowlist change appears twice");
      seen.add(set.id);
      return toAllowlistItem(set);
    }
    const version = byId.get(input.policyVersionId);
    if (!version) throw itemError(index, "no such policy version");
    if (seen.has(version.policyId))
      throw itemError(
        index,
        `${version.policy.packagePath} appears twice; a change request ships one version per policy`,
      );
    seen.add(version.policyId);
    return toPolicyItem(version);
  });
}

export function toItemRows(items: ResolvedItem[]): ItemRow[] {
  return items.map((item, position) =>
    isPolicyItem(item)
      ? {
          kind: item.kind,
          position,
          policyId: item.policyId,
          policyVersionId: item.versionId,
          allowlistChangeSetId: null,
        }
      : { kind: item.kind, position, policyId: null, policyVersionId: null, allowlistChangeSetId: item.changeSetId },
  );
}

/** The items of a stored change request, in order, with the content each pins. */
export async function loadItems(tx: Tx, changeRequestId: string): Promise<ResolvedItem[]> {
  const rows = await tx.changeRequestItem.findMany({
    where: { changeRequestId },
    orderBy: { position: "asc" },
    include: {
      policyVersion: { include: { policy: { select: { name: true, packagePath: true } } } },
      allowlistChangeSet: { select: { id: true, sha256: true, summary: true, createdById: true } },
    },
  });
  return rows.map((row) => {
    if (row.kind === "policy_version" && row.policyVersion) return toPolicyItem(row.policyVersion);
    if (row.kind === "allowlist_change" && row.allowlistChangeSet) return toAllowlistItem(row.allowlistChangeSet);
    throw new Error(`unknown change request item kind ${row.kind}`);
  });
}

export function contentOf(item: ResolvedItem): ItemContent {
  if (isAllowlistItem(item)) return { kind: item.kind, key: item.changeSetId, sha256: item.sha256 };
  return {
    kind: item.kind,
    key: item.policyId,
    packagePath: item.packagePath,
    versionId: item.versionId,
    version: item.versionNumber,
    sha256: item.sha256,
  };
}

function toPolicyItem(v: VersionRow): PolicyVersionItem {
  return {
    kind: "policy_version",
    policyId: v.policyId,
    policyName: v.policy.name,
    packagePath: v.policy.packagePath,
    versionId: v.id,
    versionNumber: v.number,
    sha256: v.sha256,
    authorId: v.authorId,
  };
}

function toAllowlistItem(set: ChangeSetRow): AllowlistChangeItem {
  return {
    kind: "allowlist_change",
    changeSetId: set.id,
    sha256: set.sha256,
    summary: set.summary,
    authorId: set.createdById,
  };
}

function itemError(index: number, message: string): AppError {
  return new AppError("unprocessable", `Item ${index + 1}: ${message}`, {
    fieldErrors: [{ path: `body.items.${index}`, message }],
  });
}
