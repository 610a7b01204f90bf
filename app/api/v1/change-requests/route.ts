// GET /api/v1/change-requests — change requests (?status=active|all|open|…, keyset cursor); POST — submit one
import { json, withApi } from "@/lib/http/with-api";
import { createChangeRequest } from "@/lib/change-requests/submit-change-request";
import { listChangeRequests } from "@/lib/reviews/change-request-views";
import { ZCreateChangeRequestRequest, ZListChangeRequestsQuery } from "@/lib/change-requests/schemas";

export const GET = withApi({ permission: "policy:read", query: ZListChangeRequestsQuery }, ({ actor, query }) =>
  listChangeRequests({ actor, query }),
);

export const POST = withApi(
  { permission: "change:submit", body: ZCreateChangeRequestRequest },
  async ({ actor, body, requestId }) =>
    json(await createChangeRequest({ actor, input: body, requestId }), { status: 201 }),
);
