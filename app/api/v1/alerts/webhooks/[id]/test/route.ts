// POST /api/v1/alerts/webhooks/:id/test — send a signed test alert now and say how the receiver answered
import { withApi } from "@/lib/http/with-api";
import { ZWebhookIdParams } from "@/lib/alerts/schemas";
import { sendTestAlert } from "@/lib/alerts/redeliver-alert";

export const POST = withApi({ permission: "alert:manage", params: ZWebhookIdParams }, ({ actor, params, requestId }) =>
  sendTestAlert({ actor, id: params.id, requestId }),
);
