import type { Metadata } from "next";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { AllowlistTabs } from "../_components/allowlist-tabs";
import { AccessMatrixView } from "./access-matrix-view";

export const metadata: Metadata = { title: "Access matrix · Allowlists" };

export default async function MatrixPage() {
  await requirePageActor("allowlist:read");
  return (
    <div className="page page-wide">
      <div className="page-header">
        <div>
          <h1>Access matrix</h1>
          <p className="subtitle">
            Every caller against every service. A filled cell means the caller may call at least one endpoint of that
            service.
          </p>
        </div>
      </div>
      <AllowlistTabs active="/allowlists/matrix" />
      <AccessMatrixView />
    </div>
  );
}
