// GET /api/v1/policy-repository/export — every policy (head version), its tests and cases, and the
// imported data documents as one tar.gz folder tree that `opa test .` and `opa build .` run unchanged
import { withApi } from "@/lib/http/with-api";
import { exportPolicyWorkspace } from "@/lib/policy-repository/export-policy-workspace";

export const GET = withApi({ permission: "policy:read" }, async ({ actor }) => {
  const { tarGz } = await exportPolicyWorkspace({ actor });
  return new Response(new Uint8Array(tarGz), {
    headers: {
      "content-type": "application/gzip",
      "content-disposition": 'attachment; filename="verdict-policies.tar.gz"',
      "cache-control": "no-store",
    },
  });
});
