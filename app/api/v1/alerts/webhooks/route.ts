// GET /api/v1/alerts/webhooks — alert webhooks; POST — add one (the signing secret is returned once)
import { json, withApi } from "@/lib/http/with-api";
import { ZCreateAlertWebhook } from "@/lib/alerts/schemas";
import { createAlertWebhook } from "@/lib/alerts/create-alert-webhook";
import { listAlertWebhooks } from "@/lib/alerts/list-alert-webhooks";

export const GET = withApi({ permission: "alert:manage" }, async ({ actor }) => ({
  items: await listAlertWebhooks({ actor }),
}));

export const POST = withApi(
  { permission: "alert:manage", body: ZCreateAlertWebhook, maxBodyBytes: 16 * 1024 },
  async ({ actor, body, requestId }) =>
    json(await createAlertWebhook({ actor, input: body, requestId }), { status: 201 }),
);
