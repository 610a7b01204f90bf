// GET /api/v1/fleet/agents — one page of agents in identity order: ?q= &bundle= &revision= &notRevision= &label=key=value
// &credential= &stale= &failing= &limit=, keyset paging with ?cursor= (next) or ?before= (previous)
import { withApi } from "@/lib/http/with-api";
import { listAgents } from "@/lib/agents/list-agents";
import { ZFleetQuery } from "@/lib/agents/fleet-query";

export const GET = withApi({ permission: "agent:read", query: ZFleetQuery }, ({ actor, query }) =>
  listAgents({ actor, query }),
);
