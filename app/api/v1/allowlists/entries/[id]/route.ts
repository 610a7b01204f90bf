// PATCH /api/v1/allowlists/entries/:id — change owner, reason or expiry; DELETE — revoke the grant
import { withApi } from "@/lib/http/with-api";
import { ZEntryParams, ZUpdateEntryRequest } from "@/lib/allowlists/schemas";
import { updateEntry } from "@/lib/allowlists/update-entry";
import { revokeEntry } from "@/lib/allowlists/revoke-entry";

export const PATCH = withApi(
  { permission: "allowlist:write", params: ZEntryParams, body: ZUpdateEntryRequest },
  ({ actor, params, body, requestId }) => updateEntry({ actor, id: params.id, input: body, requestId }),
);

export const DELETE = withApi({ permission: "allowlist:write", params: ZEntryParams }, ({ actor, params, requestId }) =>
  revokeEntry({ actor, id: params.id, requestId }),
);
