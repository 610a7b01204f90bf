// GET /api/v1/allowlists/expiring?days=14 — grants expiring soon and recently expired
import { withApi } from "@/lib/http/with-api";
import { listExpiringGrants } from "@/lib/allowlists/caller-queries";
import { ZExpiringQuery } from "@/lib/allowlists/schemas";

export const GET = withApi({ permission: "allowlist:read", query: ZExpiringQuery }, ({ actor, query }) =>
  listExpiringGrants({ actor, days: query.days }),
);
