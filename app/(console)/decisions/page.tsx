import { Suspense } from "react";
import type { Metadata } from "next";
import Link from "next/link";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { can, type Actor } from "@/lib/auth/actor";
import { AppError } from "@/lib/core/errors";
import { listDecisions, type DecisionPage } from "@/lib/decisions/list-decisions";
import { DecisionIcon, DownloadIcon, PauseIcon, PlayIcon } from "@/components/icons";
import { DecisionFilters } from "./_components/decision-filters";
import { DecisionTable } from "./_components/decision-rows";
import { LiveTail } from "./_components/live-tail";
import { StatsPanel, StatsSkeleton } from "./_components/stats-panel";
import { filterSearch, pageSearch, parsePageFilter, type PageFilter } from "./_components/page-filter";
import { PageHeader } from "@/components/ui";

export const metadata: Metadata = { title: "Decisions" };

export default async function DecisionsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const actor = await requirePageActor("decision:read");
  const page = parsePageFilter(await searchParams);
  const tail = page.raw.tail === "1";
  const apiSearch = filterSearch(page.filter);
  return (
    <div className="page page-wide">
      <PageHeader
        title="Decisions"
        actions={
          <div className="row">
            <Link
              className="btn"
              href={`/decisions${pageSearch(page.raw, { tail: tail ? undefined : "1", cursor: undefined })}`}
              aria-pressed={tail}
            >
              {tail ? (
                <>
                  <PauseIcon /> Stop live tail
                </>
              ) : (
                <>
                  <PlayIcon /> Live tail
                </>
              )}
            </Link>
            {can(actor, "decision:export") && !page.matchError ? (
              <>
                <a
                  className="btn"
                  href={`/api/v1/decisions/export?${filterSearch(page.filter, { format: "csv" })}`}
                  download
                >
                  <DownloadIcon /> CSV
                </a>
                <a
                  className="btn"
                  href={`/api/v1/decisions/export?${filterSearch(page.filter, { format: "ndjson" })}`}
                  download
                >
                  <DownloadIcon /> NDJSON
                </a>
              </>
            ) : null}
          </div>
        }
      >
        Every decision your OPA agents made, as they uploaded it: who asked, what was decided, and by which bundle
        revision.
      </PageHeader>
      <div className="stack">
        <div className="card card-body">
          <DecisionFilters
            key={JSON.stringify(page.raw)}
            raw={page.raw}
            range={page.range}
            matchError={page.matchError}
          />
        </div>
        {page.error ? (
          <div className="alert alert-danger" role="alert">
            The filter is invalid ({page.error}); showing the last 24 hours instead.
          </div>
        ) : null}
        {page.matchError ? null : tail ? (
          <div className="card">
            <LiveTail search={apiSearch} />
          </div>
        ) : (
          <>
            <Suspense key={apiSearch} fallback={<StatsSkeleton />}>
              <StatsPanel actor={actor} filter={page.filter} raw={page.raw} />
            </Suspense>
            <DecisionList actor={actor} page={page} />
          </>
        )}
      </div>
    </div>
  );
}

async function DecisionList({ actor, page }: { actor: Actor; page: PageFilter }) {
  let result: DecisionPage;
  try {
    result = await listDecisions({ actor, query: { ...page.filter, cursor: page.raw.cursor, limit: 50 } });
  } catch (error) {
    if (error instanceof AppError && error.status < 500)
      return (
        <div className="alert alert-danger" role="alert">
          {error.message}
        </div>
      );
    throw error;
  }
  const filtered = Object.keys(page.raw).some((k) => !["range", "cursor", "tail"].includes(k));
  return (
    <div className="card">
      <div className="card-header">
        <h2>{page.raw.cursor ? "Older decisions" : "Newest decisions"}</h2>
        <span className="muted small">Newest first · 50 per page</span>
      </div>
      {result.items.length === 0 ? (
        <div className="empty">
          <div className="empty-icon">
            <DecisionIcon />
          </div>
          <h2>{filtered ? "No decisions match these filters" : "No decisions in this time range"}</h2>
          <p>
            {filtered
              ? "Widen the time range or remove a filter."
              : "Agents upload decision logs every few seconds to minutes (decision_logs.reporting in their OPA config)."}
          </p>
          {filtered ? (
            <Link className="btn" href="/decisions">
              Clear filters
            </Link>
          ) : null}
        </div>
      ) : (
        <DecisionTable items={result.items} />
      )}
      {page.raw.cursor || result.nextCursor ? (
        <nav className="pagination" aria-label="Pages">
          {page.raw.cursor ? (
            <Link className="btn btn-sm" href={`/decisions${pageSearch(page.raw, { cursor: undefined })}`}>
              ← Newest
            </Link>
          ) : (
            <span />
          )}
          {result.nextCursor ? (
            <Link className="btn btn-sm" href={`/decisions${pageSearch(page.raw, { cursor: result.nextCursor })}`}>
              Older →
            </Link>
          ) : (
            <span className="muted small">End of results</span>
          )}
        </nav>
      ) : null}
    </div>
  );
}
