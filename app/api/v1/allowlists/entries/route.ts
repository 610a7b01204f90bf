// POST /api/v1/allowlists/entries — grant one caller access to one endpoint
import { json, withApi } from "@/lib/http/with-api";
import { ZEntrySpecInput } from "@/lib/allowlists/schemas";
import { grantAccess } from "@/lib/allowlists/grant-access";

export const POST = withApi(
  { permission: "allowlist:write", body: ZEntrySpecInput },
  async ({ actor, body, requestId }) => json(await grantAccess({ actor, input: body, requestId }), { status: 201 }),
);
