// GET /api/v1/agent-credentials — all agent credentials; POST — create one (secret and OPA config shown once)
import { json, withApi } from "@/lib/http/with-api";
import { ZCreateAgentCredentialRequest } from "@/lib/agents/schemas";
import { createAgentCredential } from "@/lib/agents/create-agent-credential";
import { listAgentCredentials } from "@/lib/agents/list-agent-credentials";

export const GET = withApi({ permission: "agent:manage" }, async ({ actor }) => ({
  items: await listAgentCredentials({ actor }),
}));

export const POST = withApi(
  { permission: "agent:manage", body: ZCreateAgentCredentialRequest },
  async ({ actor, body, requestId }) =>
    json(await createAgentCredential({ actor, input: body, requestId }), { status: 201 }),
);
