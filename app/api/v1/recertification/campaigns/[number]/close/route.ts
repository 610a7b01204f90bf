// POST /api/v1/recertification/campaigns/:number/close — an admin closes the campaign (no more decisions)
import { withApi } from "@/lib/http/with-api";
import { closeCampaign } from "@/lib/recertification/close-campaign";
import { ZCampaignParams } from "@/lib/recertification/schemas";

export const POST = withApi(
  { permission: "recertification:manage", params: ZCampaignParams },
  async ({ actor, params, requestId }) => closeCampaign({ actor, number: params.number, requestId }),
);
