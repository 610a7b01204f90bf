// GET /api/v1/decisions — stored OPA decisions matching a filter, newest first, keyset-paginated
import { withApi } from "@/lib/http/with-api";
import { listDecisions } from "@/lib/decisions/list-decisions";
import { ZListDecisionsQuery } from "@/lib/decisions/schemas";

export const GET = withApi({ permission: "decision:read", query: ZListDecisionsQuery }, ({ actor, query }) =>
  listDecisions({ actor, query }),
);
