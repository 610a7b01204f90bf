import type { Metadata } from "next";
import Link from "next/link";
import { can } from "@/lib/auth/actor";
import { loadPolicyPage } from "../load-policy-page";
import { listPolicyVersions } from "@/lib/policies/get-policy";
import { HistoryView } from "./history-view";
import { policyMetadata } from "../../_components/policy-title";
import { PageHeader } from "@/components/ui";
import { Breadcrumbs } from "@/components/breadcrumbs";

export function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  return policyMetadata(params, "History");
}

export default async function PolicyHistoryPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ a?: string; b?: string }>;
}) {
  const { actor, policy } = await loadPolicyPage(params);
  const versions = await listPolicyVersions({ actor, policyId: policy.id });
  const { a, b } = await searchParams;
  return (
    <div className="page page-wide">
      <Breadcrumbs
        trail={[
          { href: "/policies", label: "Policies" },
          { href: `/policies/${policy.id}`, label: policy.name },
        ]}
      >
        History
      </Breadcrumbs>
      <PageHeader
        title={<>History of {policy.name}</>}
        actions={
          <Link href={`/policies/${policy.id}`} className="btn">
            Back to editor
          </Link>
        }
      >
        {versions.length} immutable version{versions.length === 1 ? "" : "s"}. Compare any two; restoring saves an old
        version as a new one.
      </PageHeader>
      <HistoryView
        policyId={policy.id}
        versions={versions}
        headNumber={policy.headNumber}
        canRestore={can(actor, "policy:write")}
        initialA={Number(a) || Math.max(1, policy.headNumber - 1)}
        initialB={Number(b) || policy.headNumber}
      />
    </div>
  );
}
