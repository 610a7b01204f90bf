// POST /api/v1/allowlists/authz-policy — add the shipped verdict.authz policy to the policies (once)
import { json, withApi } from "@/lib/http/with-api";
import { installAuthzPolicy } from "@/lib/allowlists/install-authz-policy";

export const POST = withApi({ permission: "policy:write" }, async ({ actor, requestId }) => {
  const result = await installAuthzPolicy({ actor, requestId });
  return json(result, { status: result.created ? 201 : 200 });
});
