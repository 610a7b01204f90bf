// GET /api/v1/change-requests/:number — items, diff bases, test results, reviews; PATCH — the author edits it (new items void approvals)
import { withApi } from "@/lib/http/with-api";
import { getChangeRequestOrThrow } from "@/lib/reviews/change-request-views";
import { updateChangeRequest } from "@/lib/change-requests/submit-change-request";
import { ZChangeRequestParams, ZUpdateChangeRequestRequest } from "@/lib/change-requests/schemas";

export const GET = withApi({ permission: "policy:read", params: ZChangeRequestParams }, ({ actor, params }) =>
  getChangeRequestOrThrow({ actor, number: params.number }),
);

export const PATCH = withApi(
  { permission: "change:submit", params: ZChangeRequestParams, body: ZUpdateChangeRequestRequest },
  ({ actor, params, body, requestId }) => updateChangeRequest({ actor, number: params.number, input: body, requestId }),
);
