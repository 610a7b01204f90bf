// POST /api/v1/recertification/narrowings — propose replacing a wide grant by the endpoints its use needs (a change request)
import { json, withApi } from "@/lib/http/with-api";
import { proposeNarrowing } from "@/lib/recertification/propose-narrowing";
import { ZProposeNarrowingRequest } from "@/lib/recertification/schemas";

export const POST = withApi(
  { permission: "allowlist:write", body: ZProposeNarrowingRequest },
  async ({ actor, body, requestId }) =>
    json(await proposeNarrowing({ actor, entryId: body.entryId, days: body.days, requestId }), { status: 201 }),
);
