// POST /api/v1/allowlists/check — would the shipped policy allow this request with today's allowlists?
import { withApi } from "@/lib/http/with-api";
import { checkAccess } from "@/lib/allowlists/publish-data";
import { ZCheckAccessRequest } from "@/lib/allowlists/schemas";

export const POST = withApi({ permission: "allowlist:read", body: ZCheckAccessRequest }, ({ actor, body }) =>
  checkAccess({ actor, request: body }),
);
