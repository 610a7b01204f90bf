// GET /api/v1/decisions/tail — live tail: decisions received since the previous poll's watermark
import { withApi } from "@/lib/http/with-api";
import { tailDecisions } from "@/lib/decisions/list-decisions";
import { ZTailDecisionsQuery } from "@/lib/decisions/schemas";

export const GET = withApi({ permission: "decision:read", query: ZTailDecisionsQuery }, ({ actor, query }) =>
  tailDecisions({ actor, query }),
);
