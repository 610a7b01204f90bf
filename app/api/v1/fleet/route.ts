// GET /api/v1/fleet — the fleet page's data: totals, rollout per bundle and revision, and the first page of agents
// (same filters as GET /api/v1/fleet/agents)
import { withApi } from "@/lib/http/with-api";
import { fleetTotals, rolloutProgress } from "@/lib/agents/fleet";
import { listAgents } from "@/lib/agents/list-agents";
import { ZFleetQuery } from "@/lib/agents/fleet-query";

export const GET = withApi({ permission: "agent:read", query: ZFleetQuery }, async ({ actor, query }) => {
  const [totals, rollout, agents] = await Promise.all([
    fleetTotals({ actor }),
    rolloutProgress({ actor }),
    listAgents({ actor, query }),
  ]);
  return { totals, rollout, agents: agents.items, matching: agents.matching, nextCursor: agents.nextCursor };
});
