import type { Metadata } from "next";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { NewPolicyForm } from "./new-policy-form";
import { PageHeader } from "@/components/ui";
import { Breadcrumbs } from "@/components/breadcrumbs";

export const metadata: Metadata = { title: "New policy" };

export default async function NewPolicyPage() {
  await requirePageActor("policy:write");
  return (
    <div className="page">
      <Breadcrumbs trail={[{ href: "/policies", label: "Policies" }]}>New</Breadcrumbs>
      <PageHeader title="New policy">
        A Rego module in its own package. It is checked by OPA before it is stored as version 1.
      </PageHeader>
      <NewPolicyForm />
    </div>
  );
}
