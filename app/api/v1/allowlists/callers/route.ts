// GET /api/v1/allowlists/callers?prefix=spiffe://prod/ns/ — callers whose SPIFFE ID starts with the prefix
import { withApi } from "@/lib/http/with-api";
import { searchCallers } from "@/lib/allowlists/caller-queries";
import { ZCallerSearchQuery } from "@/lib/allowlists/schemas";

export const GET = withApi({ permission: "allowlist:read", query: ZCallerSearchQuery }, async ({ actor, query }) => ({
  items: await searchCallers({ actor, prefix: query.prefix, limit: query.limit }),
}));
