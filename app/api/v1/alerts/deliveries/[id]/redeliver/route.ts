// POST /api/v1/alerts/deliveries/:id/redeliver — send a delivery again now
import { withApi } from "@/lib/http/with-api";
import { ZWebhookIdParams } from "@/lib/alerts/schemas";
import { redeliverAlert } from "@/lib/alerts/redeliver-alert";

export const POST = withApi({ permission: "alert:manage", params: ZWebhookIdParams }, ({ actor, params, requestId }) =>
  redeliverAlert({ actor, id: params.id, requestId }),
);
