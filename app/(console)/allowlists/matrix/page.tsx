import type { Metadata } from "next";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { AllowlistTabs } from "../_components/allowlist-tabs";
import { AccessMatrixView } from "./access-matrix-view";
import { PageHeader } from "@/components/ui";

export const metadata: Metadata = { title: "Access matrix · Allowlists" };

export default async function MatrixPage() {
  await requirePageActor("allowlist:read");
  return (
    <div className="page page-wide">
      <PageHeader title="Access matrix">
        Every caller against every service. A filled cell means the caller may call at least one endpoint of that
        service.
      </PageHeader>
      <AllowlistTabs active="/allowlists/matrix" />
      <AccessMatrixView />
    </div>
  );
}
