import type { Metadata } from "next";
import { can } from "@/lib/auth/actor";
import { loadPolicyPage } from "./load-policy-page";
import { getLatestTestRunForVersion } from "@/lib/policy-tests/get-test-runs";
import { PolicyWorkbench } from "../_components/policy-workbench";
import { policyFilePath } from "@/lib/rego/policy-module";
import { policyMetadata } from "../_components/policy-title";
import { PageHeader } from "@/components/ui";
import { getPolicyReferences } from "@/lib/policies/get-policy-references";
import { PolicyReferencesCard } from "../_components/policy-references-card";
import { Breadcrumbs } from "@/components/breadcrumbs";

export function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  return policyMetadata(params);
}

export default async function PolicyEditorPage({ params }: { params: Promise<{ id: string }> }) {
  const { actor, policy } = await loadPolicyPage(params);
  const [latestRun, references] = await Promise.all([
    getLatestTestRunForVersion(policy.head.id),
    getPolicyReferences({ actor, policyId: policy.id }),
  ]);
  return (
    <div className="page page-wide">
      <Breadcrumbs trail={[{ href: "/policies", label: "Policies" }]}>{policy.name}</Breadcrumbs>
      <PageHeader title={policy.name}>
        <code>{policy.packagePath}</code> · owned by {policy.owner}
      </PageHeader>
      <PolicyWorkbench
        key={policy.head.id}
        canWrite={can(actor, "policy:write")}
        canRun={can(actor, "test:run")}
        initialRun={latestRun}
        policy={{
          id: policy.id,
          name: policy.name,
          packagePath: policy.packagePath,
          owner: policy.owner,
          description: policy.description,
          fileName: policyFilePath(policy.packagePath),
          head: policy.head,
        }}
      />
      <PolicyReferencesCard references={references} />
    </div>
  );
}
