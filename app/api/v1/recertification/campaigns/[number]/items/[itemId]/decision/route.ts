// POST /api/v1/recertification/campaigns/:number/items/:itemId/decision — the grant's owner (or an admin) keeps, narrows or revokes it
import { withApi } from "@/lib/http/with-api";
import { decideItem } from "@/lib/recertification/decide-item";
import { ZDecideItemRequest, ZItemParams } from "@/lib/recertification/schemas";

// Any signed-in reader may call it; the service checks that they own the grant or are an admin.
export const POST = withApi(
  { permission: "allowlist:read", params: ZItemParams, body: ZDecideItemRequest },
  async ({ actor, params, body, requestId }) =>
    decideItem({ actor, campaignNumber: params.number, itemId: params.itemId, input: body, requestId }),
);
