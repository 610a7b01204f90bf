// PATCH /api/v1/alerts/webhooks/:id — change a webhook; DELETE — remove it with its delivery log
import { withApi } from "@/lib/http/with-api";
import { ZUpdateAlertWebhook, ZWebhookIdParams } from "@/lib/alerts/schemas";
import { deleteAlertWebhook, updateAlertWebhook } from "@/lib/alerts/update-alert-webhook";

export const PATCH = withApi(
  { permission: "alert:manage", params: ZWebhookIdParams, body: ZUpdateAlertWebhook, maxBodyBytes: 16 * 1024 },
  ({ actor, params, body, requestId }) => updateAlertWebhook({ actor, id: params.id, input: body, requestId }),
);

export const DELETE = withApi(
  { permission: "alert:manage", params: ZWebhookIdParams },
  async ({ actor, params, requestId }) => {
    await deleteAlertWebhook({ actor, id: params.id, requestId });
    return new Response(null, { status: 204 });
  },
);
