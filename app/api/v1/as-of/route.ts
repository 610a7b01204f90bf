// GET /api/v1/as-of?at= — the state at a moment: revisions, agents, policies and grants in force, with their evidence
import { withApi } from "@/lib/http/with-api";
import { getStateAt } from "@/lib/evidence/state-at";
import { ZStateAtQuery } from "@/lib/evidence/schemas";

export const GET = withApi({ permission: "evidence:read", query: ZStateAtQuery }, ({ actor, query }) =>
  getStateAt({ actor, at: query.at }),
);
