// POST /api/v1/bundles/:name/target-checks — fetch what each target serves and compare it with the signed revision
import { withApi } from "@/lib/http/with-api";
import { checkBundleTargets } from "@/lib/distribution/check-targets";
import { ZBundleParams } from "@/lib/bundles/schemas";

export const POST = withApi(
  { permission: "bundle:publish", params: ZBundleParams },
  async ({ actor, params, requestId }) => ({
    outcomes: await checkBundleTargets({ actor, name: params.name, requestId }),
  }),
);
