// GET /api/v1/allowlists/callers/view?id=spiffe://… — everything this caller may call, directly or through a /* pattern
import { withApi } from "@/lib/http/with-api";
import { getCallerView } from "@/lib/allowlists/caller-queries";
import { ZCallerQuery } from "@/lib/allowlists/schemas";

export const GET = withApi({ permission: "allowlist:read", query: ZCallerQuery }, ({ actor, query }) =>
  getCallerView({ actor, callerId: query.id }),
);
