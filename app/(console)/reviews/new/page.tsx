import type { Metadata } from "next";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { listSubmittablePolicies } from "@/lib/reviews/submittable-policies";
import { NewChangeRequestForm } from "./new-change-request-form";
import { PageHeader } from "@/components/ui";
import { Breadcrumbs } from "@/components/breadcrumbs";

export const metadata: Metadata = { title: "New change request" };

export default async function NewChangeRequestPage({ searchParams }: { searchParams: Promise<{ policy?: string }> }) {
  const actor = await requirePageActor("change:submit");
  const policies = await listSubmittablePolicies({ actor });
  const { policy } = await searchParams;
  return (
    <div className="page">
      <Breadcrumbs trail={[{ href: "/reviews", label: "Change requests" }]}>New</Breadcrumbs>
      <PageHeader title="New change request">
        Pick the policy versions to ship and say why. A reviewer who wrote none of them approves; any later change voids
        the approval.
      </PageHeader>
      <NewChangeRequestForm policies={policies} preselected={policy ? [policy] : []} />
    </div>
  );
}
