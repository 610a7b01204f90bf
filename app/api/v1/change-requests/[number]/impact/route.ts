// GET /api/v1/change-requests/:number/impact — recent recorded decisions re-evaluated against the proposed policies: which would flip
import { withApi } from "@/lib/http/with-api";
import { analyzeImpact } from "@/lib/decisions/analyze-impact";
import { ZImpactQuery } from "@/lib/decisions/schemas";
import { ZChangeRequestParams } from "@/lib/change-requests/schemas";

export const GET = withApi(
  { permission: "change:impact", params: ZChangeRequestParams, query: ZImpactQuery },
  ({ actor, params, query }) => analyzeImpact({ actor, number: params.number, query }),
);
