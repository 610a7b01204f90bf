// GET /api/v1/as-of/diff?from=&to= — what changed between two moments
import { withApi } from "@/lib/http/with-api";
import { diffStates } from "@/lib/evidence/diff-states";
import { ZStateDiffQuery } from "@/lib/evidence/schemas";

export const GET = withApi({ permission: "evidence:read", query: ZStateDiffQuery }, ({ actor, query }) =>
  diffStates({ actor, from: query.from, to: query.to }),
);
