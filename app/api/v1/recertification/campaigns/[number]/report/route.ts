// GET /api/v1/recertification/campaigns/:number/report?format=csv|json — one row per grant: evidence, suggestion, decision
import { withApi } from "@/lib/http/with-api";
import { campaignReportCsv } from "@/lib/recertification/campaign-report";
import { getCampaign } from "@/lib/recertification/campaign-views";
import { ZCampaignParams, ZReportQuery } from "@/lib/recertification/schemas";

export const GET = withApi(
  { permission: "allowlist:read", params: ZCampaignParams, query: ZReportQuery },
  async ({ actor, params, query }) => {
    if (query.format === "json") return getCampaign({ actor, number: params.number });
    const file = await campaignReportCsv({ actor, number: params.number });
    return new Response(file.body, {
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="${file.filename}"`,
        "cache-control": "no-store",
      },
    });
  },
);
