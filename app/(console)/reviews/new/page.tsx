import type { Metadata } from "next";
import Link from "next/link";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { listSubmittablePolicies } from "@/lib/reviews/submittable-policies";
import { NewChangeRequestForm } from "./new-change-request-form";
import { PageHeader } from "@/components/ui";

export const metadata: Metadata = { title: "New change request" };

export default async function NewChangeRequestPage({ searchParams }: { searchParams: Promise<{ policy?: string }> }) {
  const actor = await requirePageActor("change:submit");
  const policies = await listSubmittablePolicies({ actor });
  const { policy } = await searchParams;
  return (
    <div className="page">
      <div className="breadcrumbs">
        <Link href="/reviews">Change requests</Link> <span aria-hidden>/</span> <span>New</span>
      </div>
      <PageHeader title="New change request">
        Pick the policy versions to ship and say why. A reviewer who wrote none of them approves; any later change voids
        the approval.
      </PageHeader>
      <NewChangeRequestForm policies={policies} preselected={policy ? [policy] : []} />
    </div>
  );
}
