import type { Metadata } from "next";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { listAlertWebhooks } from "@/lib/alerts/list-alert-webhooks";
import { listAlertDeliveries } from "@/lib/alerts/list-alert-deliveries";
import { listAlertFirings } from "@/lib/alerts/list-alert-firings";
import { ALERT_KINDS } from "@/lib/alerts/alert-kinds";
import { PageHeader } from "@/components/ui";
import { AlertsManager } from "./alerts-manager";

export const metadata: Metadata = { title: "Alerts" };

export default async function AlertsPage() {
  const actor = await requirePageActor("alert:manage");
  const [webhooks, deliveries, firings] = await Promise.all([
    listAlertWebhooks({ actor }),
    listAlertDeliveries({ actor, query: { limit: 50 } }),
    listAlertFirings({ actor, limit: 30 }),
  ]);
  const kinds = Object.entries(ALERT_KINDS).map(([kind, { label }]) => ({ kind, label }));
  return (
    <div className="page">
      <PageHeader title="Alerts">
        Verdict checks for denial-rate spikes, agents on revisions it did not publish, stale or failing agents, grants
        about to expire and aborted rollouts, and posts each alert once to the webhooks that subscribe to it. Every
        request is signed (<code>X-Verdict-Signature</code>), retried with backoff while the receiver is down, and kept
        in the delivery log.
      </PageHeader>
      <AlertsManager webhooks={webhooks} deliveries={deliveries} firings={firings} kinds={kinds} />
    </div>
  );
}
