// DELETE /api/v1/tokens/:id — revoke an API token
import { z } from "zod";
import { withApi } from "@/lib/http/with-api";
import { revokeApiToken } from "@/lib/users/revoke-api-token";

export const DELETE = withApi(
  { permission: "token:self", params: z.object({ id: z.string().uuid() }) },
  ({ actor, params, requestId }) => revokeApiToken({ actor, id: params.id, requestId }),
);
