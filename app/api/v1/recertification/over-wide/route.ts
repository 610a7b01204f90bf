// GET /api/v1/recertification/over-wide?service=payments&days=30 — a service's grants wider than their observed use
import { withApi } from "@/lib/http/with-api";
import { overWideGrants } from "@/lib/recertification/over-wide-grants";
import { ZOverWideQuery } from "@/lib/recertification/schemas";

export const GET = withApi({ permission: "allowlist:read", query: ZOverWideQuery }, async ({ actor, query }) => ({
  items: await overWideGrants({ actor, service: query.service, days: query.days }),
}));
