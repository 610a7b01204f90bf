// GET /api/v1/fleet — rollout progress per bundle and the agents (newest first, ?bundle=, keyset cursor)
import { z } from "zod";
import { withApi } from "@/lib/http/with-api";
import { listAgents, rolloutProgress } from "@/lib/agents/fleet";
import { ZBundleName } from "@/lib/bundles/bundle-names";

const ZFleetQuery = z.object({
  bundle: ZBundleName.optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(100),
});

export const GET = withApi({ permission: "agent:read", query: ZFleetQuery }, async ({ actor, query }) => {
  const [rollout, agents] = await Promise.all([rolloutProgress({ actor }), listAgents({ actor, query })]);
  return { rollout, agents: agents.items, nextCursor: agents.nextCursor };
});
