// GET /api/v1/audit-events — the audit trail, newest first, filtered and keyset-paginated
import { withApi } from "@/lib/http/with-api";
import { listAuditEvents } from "@/lib/audit/list-audit-events";
import { ZListAuditEventsQuery } from "@/lib/audit/schemas";

export const GET = withApi({ permission: "audit:read", query: ZListAuditEventsQuery }, ({ actor, query }) =>
  listAuditEvents({ actor, query }),
);
