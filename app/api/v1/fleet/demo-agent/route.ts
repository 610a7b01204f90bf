// GET /api/v1/fleet/demo-agent — is the demo agent running; POST — start it (a local opa with a fresh
// credential and a traffic generator); DELETE — stop it, leaving nothing running
import { json, withApi } from "@/lib/http/with-api";
import { ZStartDemoAgentRequest } from "@/lib/agents/schemas";
import { getDemoAgent, startDemoAgent, stopDemoAgent } from "@/lib/agents/demo-agent";

export const GET = withApi({ permission: "agent:read" }, async ({ actor }) => getDemoAgent({ actor }));

export const POST = withApi(
  { permission: "agent:manage", body: ZStartDemoAgentRequest },
  async ({ actor, body, requestId }) =>
    json(await startDemoAgent({ actor, minutes: body.minutes, requestId }), { status: 201 }),
);

export const DELETE = withApi({ permission: "agent:manage" }, async ({ actor, requestId }) =>
  stopDemoAgent({ actor, requestId }),
);
