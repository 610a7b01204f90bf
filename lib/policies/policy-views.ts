import { createHash } from "node:crypto";

export type PolicyVersionSummary = {
  id: string;
  number: number;
  sha256: string;
  message: string;
  author: { id: string; email: string; name: string };
  createdAt: string;
};

export type PolicyVersionView = PolicyVersionSummary & { policyId: string; source: string; parentId: string | null };

export type PolicyView = {
  id: string;
  name: string;
  packagePath: string;
  description: string;
  owner: string;
  headNumber: number;
  createdAt: string;
  updatedAt: string;
  head: PolicyVersionView;
};

type VersionRow = {
  id: string; policyId: string; number: number; sha256: string; message: string; source: string;
  parentId: string | null; createdAt: Date; author: { id: string; email: string; name: string };
};

export function toVersionSummary(v: Omit<VersionRow, "source" | "policyId" | "parentId">): PolicyVersionSummary {
  return { id: v.id, number: v.number, sha256: v.sha256, message: v.message, author: v.author, createdAt: v.createdAt.toISOString() };
}

export function toVersionView(v: VersionRow): PolicyVersionView {
  return { ...toVersionSummary(v), policyId: v.policyId, source: v.source, parentId: v.parentId };
}

export const AUTHOR_SELECT = { select: { id: true, email: true, name: true } } as const;

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
