// GET /api/v1/decisions/stats — totals, allowed/denied over time, top denied callers and top paths for a filter
import { withApi } from "@/lib/http/with-api";
import { getDecisionStats } from "@/lib/decisions/decision-stats";
import { ZDecisionFilter } from "@/lib/decisions/schemas";

export const GET = withApi({ permission: "decision:read", query: ZDecisionFilter }, ({ actor, query }) =>
  getDecisionStats({ actor, filter: query }),
);
