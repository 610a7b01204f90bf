// POST /api/v1/change-requests/:number/reviews — comment, approve or request changes (approving: a reviewer who wrote none of it)
import { json, withApi } from "@/lib/http/with-api";
import { reviewChangeRequest } from "@/lib/reviews/review-change-request";
import { ZChangeRequestParams, ZReviewRequest } from "@/lib/change-requests/schemas";

export const POST = withApi(
  { permission: "policy:read", params: ZChangeRequestParams, body: ZReviewRequest },
  async ({ actor, params, body, requestId }) =>
    json(await reviewChangeRequest({ actor, number: params.number, input: body, requestId }), { status: 201 }),
);
