// GET /api/v1/allowlists/services — services with grant counts; POST — create a service
import { json, withApi } from "@/lib/http/with-api";
import { listServices } from "@/lib/allowlists/list-services";
import { ZCreateServiceRequest, ZListServicesQuery } from "@/lib/allowlists/schemas";
import { createService } from "@/lib/allowlists/create-service";

export const GET = withApi({ permission: "allowlist:read", query: ZListServicesQuery }, async ({ actor, query }) => ({
  items: await listServices({ actor, q: query.q }),
}));

export const POST = withApi(
  { permission: "allowlist:write", body: ZCreateServiceRequest },
  async ({ actor, body, requestId }) => json(await createService({ actor, input: body, requestId }), { status: 201 }),
);
