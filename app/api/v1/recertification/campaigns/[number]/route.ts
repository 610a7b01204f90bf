// GET /api/v1/recertification/campaigns/:number?mine=true&state=pending — the campaign, its progress and items with evidence
import { withApi } from "@/lib/http/with-api";
import { getCampaign } from "@/lib/recertification/campaign-views";
import { ZCampaignParams, ZItemsQuery } from "@/lib/recertification/schemas";

export const GET = withApi(
  { permission: "allowlist:read", params: ZCampaignParams, query: ZItemsQuery },
  async ({ actor, params, query }) =>
    getCampaign({ actor, number: params.number, mine: query.mine === "true", state: query.state }),
);
