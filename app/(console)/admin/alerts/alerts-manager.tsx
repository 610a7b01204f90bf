"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { api, ApiError } from "@/components/api-client";
import { CopyButton } from "@/components/copy-button";
import { formatDateTime, timeAgo } from "@/components/format";
import { Checkbox, CreateCard, FormActions, ProblemAlert, toggled } from "@/components/form-parts";
import { BellIcon } from "@/components/icons";
import { DataTable, EmptyState, PlainFieldset, SelectField, TextField } from "@/components/ui";
import { useApiAction } from "@/components/use-api-action";
import type { AlertWebhookView } from "@/lib/alerts/alert-webhook-view";
import type { AlertDeliveryView } from "@/lib/alerts/list-alert-deliveries";
import type { AlertFiringView } from "@/lib/alerts/list-alert-firings";

const FORMATS = [
  ["json", "Generic JSON"],
  ["slack", "Slack-compatible"],
] as const;
const DELIVERY_BADGE = { pending: "badge-warn", delivered: "badge-ok", failed: "badge-danger" } as const;
const SEVERITY_BADGE: Record<string, string> = {
  info: "badge-accent",
  warning: "badge-warn",
  critical: "badge-danger",
};

type Kind = { kind: string; label: string };
type Outcome = { delivered: boolean; status: number | null; error: string | null };

export function AlertsManager({
  webhooks,
  deliveries,
  firings,
  kinds,
}: {
  webhooks: AlertWebhookView[];
  deliveries: AlertDeliveryView[];
  firings: AlertFiringView[];
  kinds: Kind[];
}) {
  const router = useRouter();
  const [adding, setAdding] = useState(webhooks.length === 0);
  const [chosen, setChosen] = useState<string[]>(kinds.map((k) => k.kind));
  const [error, setError] = useState<ApiError | null>(null);
  const [created, setCreated] = useState<{ name: string; secret: string } | null>(null);
  const { busy, run } = useApiAction();
  const labelOf = (kind: string) => kinds.find((k) => k.kind === kind)?.label ?? kind;

  async function create(form: FormData) {
    setError(null);
    try {
      const result = await api<{ webhook: AlertWebhookView; secret: string }>("/api/v1/alerts/webhooks", {
        body: { name: form.get("name"), url: form.get("url"), format: form.get("format"), kinds: chosen },
      });
      setCreated({ name: result.webhook.name, secret: result.secret });
      setAdding(false);
      router.refresh();
    } catch (e) {
      setError(e instanceof ApiError ? e : null);
    }
  }

  const sent = (outcome: Outcome) =>
    outcome.delivered ? `Delivered (HTTP ${outcome.status})` : `Not delivered: ${outcome.error}; it will be retried`;

  return (
    <div className="stack">
      {created ? (
        <section className="card secret-reveal" aria-labelledby="webhook-secret-title">
          <div className="card-header">
            <div>
              <h2 id="webhook-secret-title" style={{ fontSize: 14 }}>
                “{created.name}” signs with this secret — copy it now
              </h2>
              <p className="small muted">
                Receivers check <code>X-Verdict-Signature: sha256=HMAC(secret, timestamp + "." + body)</code> with the
                timestamp from <code>X-Verdict-Timestamp</code>. It is stored encrypted and not shown again.
              </p>
            </div>
            <button type="button" className="btn btn-sm" onClick={() => setCreated(null)}>
              I have copied it
            </button>
          </div>
          <div className="card-body row" style={{ gap: 8 }}>
            <code className="secret-value" data-testid="webhook-secret">
              {created.secret}
            </code>
            <CopyButton text={created.secret} label="Copy secret" />
          </div>
        </section>
      ) : null}

      <CreateCard
        title={`${webhooks.length} webhook${webhooks.length === 1 ? "" : "s"}`}
        action="Add webhook"
        open={adding}
        onToggle={() => setAdding((v) => !v)}
        onSubmit={(form) => void create(form)}
        form={
          <>
            <ProblemAlert error={error} />
            <div className="grid-3">
              <TextField id="w-name" label="Name" name="name" placeholder="e.g. security-oncall" required />
              <TextField
                id="w-url"
                label="URL"
                name="url"
                type="url"
                placeholder="https://hooks.slack.com/…"
                required
              />
              <SelectField id="w-format" label="Format" name="format" defaultValue="json" options={FORMATS} />
            </div>
            <PlainFieldset legend="Alert on">
              {kinds.map((k) => (
                <Checkbox
                  key={k.kind}
                  checked={chosen.includes(k.kind)}
                  onToggle={(on) => setChosen((list) => toggled(list, k.kind, on))}
                >
                  {k.label}
                </Checkbox>
              ))}
            </PlainFieldset>
            <FormActions onCancel={() => setAdding(false)} submit="Add webhook" busy={chosen.length === 0} />
          </>
        }
      >
        {webhooks.length === 0 ? (
          <EmptyState icon={<BellIcon />} title="No webhooks yet">
            Add one to hear about denial spikes, drift and expiring grants in Slack or your incident tooling.
          </EmptyState>
        ) : (
          <DataTable label="Alert webhooks" columns={["Name", "URL", "Alerts on", "Last delivery"]} actions="Actions">
            {webhooks.map((w) => (
              <tr key={w.id}>
                <td>
                  <strong>{w.name}</strong> {w.enabled ? null : <span className="badge">paused</span>}
                  <div className="small muted">{w.format === "slack" ? "Slack-compatible" : "Generic JSON"}</div>
                </td>
                <td className="mono small">{w.url}</td>
                <td className="small">{w.kinds.map(labelOf).join(", ")}</td>
                <td className="small">
                  {w.lastDelivery ? (
                    <>
                      <span className={`badge ${DELIVERY_BADGE[w.lastDelivery.state]}`}>{w.lastDelivery.state}</span>{" "}
                      <span title={formatDateTime(w.lastDelivery.at)}>{timeAgo(w.lastDelivery.at)}</span>
                    </>
                  ) : (
                    <span className="muted">never</span>
                  )}
                  {w.pending > 0 ? <div className="muted">{w.pending} waiting to be retried</div> : null}
                </td>
                <td className="num">
                  <div className="row row-wrap" style={{ justifyContent: "flex-end" }}>
                    <button
                      type="button"
                      className="btn btn-sm"
                      disabled={busy}
                      onClick={() =>
                        void run(() => api<Outcome>(`/api/v1/alerts/webhooks/${w.id}/test`, { body: {} }), {
                          done: sent,
                          failed: "Test failed",
                        })
                      }
                    >
                      Send test
                    </button>
                    <button
                      type="button"
                      className="btn btn-sm btn-ghost"
                      disabled={busy}
                      onClick={() =>
                        void run(
                          () =>
                            api(`/api/v1/alerts/webhooks/${w.id}`, { method: "PATCH", body: { enabled: !w.enabled } }),
                          { done: () => (w.enabled ? `Paused ${w.name}` : `Resumed ${w.name}`), failed: "Failed" },
                        )
                      }
                    >
                      {w.enabled ? "Pause" : "Resume"}
                    </button>
                    <button
                      type="button"
                      className="btn btn-sm btn-danger"
                      disabled={busy}
                      aria-label={`Delete ${w.name}`}
                      onClick={() =>
                        window.confirm(`Delete ${w.name} and its delivery log?`) &&
                        void run(() => api(`/api/v1/alerts/webhooks/${w.id}`, { method: "DELETE" }), {
                          done: () => `Deleted ${w.name}`,
                          failed: "Delete failed",
                        })
                      }
                    >
                      Delete
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </CreateCard>

      <section className="card" aria-labelledby="firings-title">
        <div className="card-header">
          <h2 id="firings-title">Recent alerts</h2>
        </div>
        {firings.length === 0 ? (
          <EmptyState title="Nothing has fired">Conditions are checked every minute.</EmptyState>
        ) : (
          <DataTable label="Recent alerts" columns={["Alert", "Fired", "State"]}>
            {firings.map((f) => (
              <tr key={f.id}>
                <td>
                  <span className={`badge ${SEVERITY_BADGE[f.severity] ?? ""}`}>{f.severity}</span>{" "}
                  <strong>{labelOf(f.kind)}</strong>
                  <div className="small">{f.summary}</div>
                </td>
                <td className="small" title={formatDateTime(f.firedAt)}>
                  {timeAgo(f.firedAt)}
                </td>
                <td className="small">
                  {f.resolvedAt ? (
                    <span className="muted">cleared {timeAgo(f.resolvedAt)}</span>
                  ) : (
                    <span className="badge badge-warn">firing</span>
                  )}
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </section>

      <section className="card" aria-labelledby="deliveries-title">
        <div className="card-header">
          <h2 id="deliveries-title">Delivery log</h2>
        </div>
        {deliveries.length === 0 ? (
          <EmptyState title="No deliveries yet" />
        ) : (
          <DataTable label="Delivery log" columns={["Webhook", "Alert", "State", "Last attempt"]} actions="Actions">
            {deliveries.map((d) => (
              <tr key={d.id}>
                <td>{d.webhook.name}</td>
                <td className="small">
                  {d.kind === "test" ? "Test alert" : labelOf(d.kind)}
                  {d.summary ? <div className="muted">{d.summary}</div> : null}
                </td>
                <td className="small">
                  <span className={`badge ${DELIVERY_BADGE[d.state]}`}>{d.state}</span> {d.attempts} attempt
                  {d.attempts === 1 ? "" : "s"}
                  {d.nextAttemptAt ? <div className="muted">next {formatDateTime(d.nextAttemptAt)}</div> : null}
                </td>
                <td className="small">
                  {d.lastStatus ? `HTTP ${d.lastStatus}` : null}
                  {d.lastError ? <div className="muted">{d.lastError}</div> : null}
                </td>
                <td className="num">
                  {d.state === "delivered" ? null : (
                    <button
                      type="button"
                      className="btn btn-sm"
                      disabled={busy}
                      onClick={() =>
                        void run(() => api<Outcome>(`/api/v1/alerts/deliveries/${d.id}/redeliver`, { body: {} }), {
                          done: sent,
                          failed: "Redelivery failed",
                        })
                      }
                    >
                      Send again
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </section>
    </div>
  );
}
