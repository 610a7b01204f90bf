// GET /api/v1/change-requests/:number/red-team — its red-team runs; POST — run generated adversarial inputs against it now
import { json, withApi } from "@/lib/http/with-api";
import { ZChangeRequestParams } from "@/lib/change-requests/schemas";
import { listRedTeamRuns } from "@/lib/red-team/red-team-runs";
import { runRedTeam } from "@/lib/red-team/run-red-team";

export const GET = withApi({ permission: "policy:read", params: ZChangeRequestParams }, async ({ actor, params }) => ({
  items: await listRedTeamRuns({ actor, number: params.number }),
}));

export const POST = withApi(
  { permission: "test:run", params: ZChangeRequestParams },
  async ({ actor, params, requestId }) =>
    json(await runRedTeam({ actor, number: params.number, requestId }), { status: 201 }),
);
