import type { Metadata } from "next";
import Link from "next/link";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { listAuditEvents } from "@/lib/audit/list-audit-events";
import { ZListAuditEventsQuery } from "@/lib/audit/schemas";
import { AuditIcon } from "@/components/icons";
import { formatDateTime, timeAgo } from "@/components/format";
import { AuditRow } from "./audit-row";
import { DataTable, FilterInput, FilterSelect, PageHeader } from "@/components/ui";

export const metadata: Metadata = { title: "Audit trail" };

export default async function AuditPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | undefined>>;
}) {
  const actor = await requirePageActor("audit:read");
  const raw = Object.fromEntries(Object.entries(await searchParams).filter(([, v]) => v));
  const parsed = ZListAuditEventsQuery.safeParse(raw);
  const query = parsed.success ? parsed.data : ZListAuditEventsQuery.parse({});
  const { items, nextCursor } = await listAuditEvents({ actor, query });
  const filtered = Boolean(query.action || query.actor || query.targetType || query.targetId || query.from || query.to);
  const nextParams = new URLSearchParams({ ...(raw as Record<string, string>), before: nextCursor ?? "" });

  return (
    <div className="page">
      <PageHeader title="Audit trail">
        Every administrative change, append-only and hash-chained. <code>npm run audit:verify</code> proves it intact.
      </PageHeader>
      <div className="card">
        <form className="card-header row-wrap" action="/audit" role="search">
          <div className="row row-wrap">
            <FilterInput
              id="f-action"
              label="Action"
              name="action"
              style={{ width: 190 }}
              placeholder="Action (e.g. policy.)"
              defaultValue={query.action ?? ""}
            />
            <FilterInput
              id="f-actor"
              label="Actor"
              name="actor"
              style={{ width: 190 }}
              placeholder="Actor email"
              defaultValue={query.actor ?? ""}
            />
            <FilterSelect
              id="f-type"
              label="Target type"
              name="targetType"
              style={{ width: 150 }}
              defaultValue={query.targetType ?? ""}
            >
              <option value="">Any target</option>
              {[
                "policy",
                "user",
                "api_token",
                "change_request",
                "bundle",
                "signing_key",
                "agent_credential",
                "allowlist",
                "decisions",
                "evidence_pack",
              ].map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </FilterSelect>
            <FilterInput
              id="f-from"
              label="From"
              name="from"
              type="date"
              style={{ width: 150 }}
              defaultValue={query.from?.toISOString().slice(0, 10) ?? ""}
              title="From (UTC)"
            />
            <FilterInput
              id="f-to"
              label="To"
              name="to"
              type="date"
              style={{ width: 150 }}
              defaultValue={query.to?.toISOString().slice(0, 10) ?? ""}
              title="Until (UTC, exclusive)"
            />
            <button type="submit" className="btn">
              Filter
            </button>
            {filtered ? (
              <Link href="/audit" className="btn btn-ghost">
                Clear
              </Link>
            ) : null}
          </div>
        </form>
        {items.length === 0 ? (
          <div className="empty">
            <div className="empty-icon">
              <AuditIcon />
            </div>
            <h2>{filtered ? "No events match these filters" : "No events yet"}</h2>
            <p>Changes to users, tokens and policies appear here as they happen.</p>
          </div>
        ) : (
          <DataTable columns={["#", "When", "Actor", "Action", "Target"]} actions="Details">
            {items.map((e) => (
              <AuditRow key={e.seq} event={e} when={timeAgo(e.occurredAt)} whenTitle={formatDateTime(e.occurredAt)} />
            ))}
          </DataTable>
        )}
        {nextCursor ? (
          <div className="pagination">
            <span className="muted small">Newest first</span>
            <Link className="btn btn-sm" href={`/audit?${nextParams}`}>
              Older events →
            </Link>
          </div>
        ) : null}
      </div>
    </div>
  );
}
