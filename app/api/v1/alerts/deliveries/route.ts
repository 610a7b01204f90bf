// GET /api/v1/alerts/deliveries?webhookId=&state=&limit= — the delivery log, newest first
import { withApi } from "@/lib/http/with-api";
import { ZDeliveryQuery } from "@/lib/alerts/schemas";
import { listAlertDeliveries } from "@/lib/alerts/list-alert-deliveries";

export const GET = withApi({ permission: "alert:manage", query: ZDeliveryQuery }, async ({ actor, query }) => ({
  items: await listAlertDeliveries({ actor, query }),
}));
