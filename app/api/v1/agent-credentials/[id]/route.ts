// DELETE /api/v1/agent-credentials/:id — revoke an agent credential (every instance stops accepting it at once)
import { withApi } from "@/lib/http/with-api";
import { ZAgentCredentialParams } from "@/lib/agents/schemas";
import { revokeAgentCredential } from "@/lib/agents/revoke-agent-credential";

export const DELETE = withApi(
  { permission: "agent:manage", params: ZAgentCredentialParams },
  ({ actor, params, requestId }) => revokeAgentCredential({ actor, id: params.id, requestId }),
);
