// GET /api/v1/recertification/campaigns — every campaign with its progress
// POST /api/v1/recertification/campaigns — an admin starts a campaign over the grants in scope
import { json, withApi } from "@/lib/http/with-api";
import { listCampaigns } from "@/lib/recertification/campaign-views";
import { startCampaign } from "@/lib/recertification/start-campaign";
import { ZStartCampaignRequest } from "@/lib/recertification/schemas";

export const GET = withApi({ permission: "allowlist:read" }, async ({ actor }) => ({
  items: await listCampaigns({ actor }),
}));

export const POST = withApi(
  { permission: "recertification:manage", body: ZStartCampaignRequest },
  async ({ actor, body, requestId }) =>
    json(await startCampaign({ actor, input: { ...body, dueAt: body.dueAt.toISOString() }, requestId }), {
      status: 201,
    }),
);
