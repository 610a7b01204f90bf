import type { TTestCase } from "@/lib/policy-tests/schemas";
import type { RegoVersion } from "@/lib/rego/rego-version";
import { readStoredCases } from "@/lib/policy-tests/test-suite";

export type PolicyVersionSummary = {
  id: string;
  number: number;
  sha256: string;
  message: string;
  author: { id: string; email: string; name: string };
  createdAt: string;
};

export type PolicyVersionView = PolicyVersionSummary & {
  policyId: string;
  source: string;
  parentId: string | null;
  testSource: string;
  testCases: TTestCase[];
  testsSha256: string;
  /** "v0" where the owner kept the policy (and its tests) in Rego v0. */
  regoVersion: RegoVersion;
};

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
  id: string;
  policyId: string;
  number: number;
  sha256: string;
  message: string;
  source: string;
  parentId: string | null;
  createdAt: Date;
  author: { id: string; email: string; name: string };
  testSource: string;
  testCases: unknown;
  testsSha256: string;
  regoVersion: RegoVersion;
};

export function toVersionSummary(
  v: Pick<VersionRow, "id" | "number" | "sha256" | "message" | "createdAt" | "author">,
): PolicyVersionSummary {
  return {
    id: v.id,
    number: v.number,
    sha256: v.sha256,
    message: v.message,
    author: v.author,
    createdAt: v.createdAt.toISOString(),
  };
}

export function toVersionView(v: VersionRow): PolicyVersionView {
  return {
    ...toVersionSummary(v),
    policyId: v.policyId,
    source: v.source,
    parentId: v.parentId,
    testSource: v.testSource,
    testCases: readStoredCases(v.testCases),
    testsSha256: v.testsSha256,
    regoVersion: v.regoVersion,
  };
}

export const AUTHOR_SELECT = { select: { id: true, email: true, name: true } } as const;

/** A policy row with its head version, as the API shows it. */
export function toPolicyView(
  policy: Omit<PolicyView, "createdAt" | "updatedAt" | "head"> & { createdAt: Date; updatedAt: Date },
  head: VersionRow,
): PolicyView {
  return {
    id: policy.id,
    name: policy.name,
    packagePath: policy.packagePath,
    description: policy.description,
    owner: policy.owner,
    headNumber: policy.headNumber,
    createdAt: policy.createdAt.toISOString(),
    updatedAt: policy.updatedAt.toISOString(),
    head: toVersionView(head),
  };
}
