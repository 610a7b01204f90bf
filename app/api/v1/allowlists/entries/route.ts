// POST /api/v1/allowlists/entries — grant one caller access to one endpoint
import { json, withApi } from "@/lib/http/with-api";
import { grantAccess } from "@/lib/allowlists/manage-entries";
import { ZEntrySpecInput } from "@/lib/allowlists/schemas";

export const POST = withApi(
  { permission: "allowlist:write", body: ZEntrySpecInput },
  async ({ actor, body, requestId }) => json(await grantAccess({ actor, input: body, requestId }), { status: 201 }),
);
