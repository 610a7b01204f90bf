// GET /api/v1/agent-token-keys — the keys that sign agent access tokens; POST — rotate (a new key signs from now on)
import { json, withApi } from "@/lib/http/with-api";
import { listAgentTokenKeys, rotateAgentTokenKey } from "@/lib/agents/agent-token-keys";
import { ZRotateKeyRequest } from "@/lib/agents/schemas";

export const GET = withApi({ permission: "key:manage" }, async ({ actor }) => ({
  items: await listAgentTokenKeys({ actor }),
}));

export const POST = withApi({ permission: "key:manage", body: ZRotateKeyRequest }, async ({ actor, body, requestId }) =>
  json(await rotateAgentTokenKey({ actor, reason: body.reason, requestId }), { status: 201 }),
);
