// POST /api/v1/change-requests/:number/close — the author withdraws a change request
import { withApi } from "@/lib/http/with-api";
import { closeChangeRequest } from "@/lib/reviews/review-change-request";
import { ZChangeRequestParams, ZCloseRequest } from "@/lib/change-requests/schemas";

export const POST = withApi(
  { permission: "change:submit", params: ZChangeRequestParams, body: ZCloseRequest },
  ({ actor, params, body, requestId }) =>
    closeChangeRequest({ actor, number: params.number, reason: body.reason, requestId }),
);
