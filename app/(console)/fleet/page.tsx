import type { Metadata } from "next";
import Link from "next/link";
import { Suspense } from "react";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { can } from "@/lib/auth/actor";
import { fleetCredentials, fleetTotals, rolloutProgress } from "@/lib/agents/fleet";
import { ZFleetQuery } from "@/lib/agents/fleet-query";
import { listAgents } from "@/lib/agents/list-agents";
import { getDemoAgent } from "@/lib/agents/demo-agent";
import { PageHeader, Stat } from "@/components/ui";
import { AutoRefresh } from "./auto-refresh";
import { DemoAgentControl } from "./demo-agent-control";
import { AgentTable, AgentTableSkeleton } from "./agent-table";
import { FleetFilters } from "./fleet-filters";
import { fleetFilters, fleetHref, type FleetFilters as Filters } from "./fleet-link";
import { RolloutCard } from "./rollout-card";
import { listRunningRollouts } from "@/lib/rollouts/rollout-view";
import { CanaryRollouts } from "../_components/canary-rollouts";

export const metadata: Metadata = { title: "Fleet" };

const PAGE_SIZE = 50;

export default async function FleetPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const actor = await requirePageActor("agent:read");
  const params = await searchParams;
  const filters = fleetFilters(params);
  const cursors = { cursor: one(params.cursor), before: one(params.before) };
  const parsed = ZFleetQuery.safeParse({ ...filters, ...cursors, limit: PAGE_SIZE });
  const query = parsed.success ? parsed.data : ZFleetQuery.parse({ limit: PAGE_SIZE });
  const error = parsed.success
    ? null
    : `These filters are not valid, so the whole fleet is shown: ${parsed.error.issues
        .map((i) => `${i.path.join(".")} ${i.message}`)
        .join("; ")}.`;
  const agents = listAgents({ actor, query });
  // AgentTable awaits it (and shows its error); until then, a rejection must not count as unhandled.
  agents.catch(() => {});
  const [totals, rollout, credentials, canaries] = await Promise.all([
    fleetTotals({ actor }),
    rolloutProgress({ actor }),
    fleetCredentials({ actor }),
    can(actor, "bundle:read") ? listRunningRollouts({ actor }) : Promise.resolve([]),
  ]);
  const latestBy = new Map(rollout.map((r) => [r.bundle, r.latest?.revision ?? null]));
  const manage = can(actor, "agent:manage");
  const shown: Filters = parsed.success ? filters : {};
  return (
    <div className="page page-wide">
      <PageHeader
        title="Fleet"
        actions={
          <div className="row">
            <AutoRefresh seconds={10} />
            {manage ? (
              <>
                <DemoAgentControl initial={getDemoAgent({ actor })} />
                <Link href="/admin/agent-credentials" className="btn btn-primary">
                  Connect an agent
                </Link>
              </>
            ) : null}
          </div>
        }
      >
        Every OPA agent that reports status: which revision of each bundle it runs, when it was last seen, and what went
        wrong. Agents are named by their <code>instance</code> label.
      </PageHeader>
      <div className="grid-4 fleet-stats">
        <Stat label="Agents" value={<Link href="/fleet">{totals.agents.toLocaleString("en-US")}</Link>} />
        <Stat
          label="Stale"
          value={<Link href={fleetHref({ stale: "1" })}>{totals.stale.toLocaleString("en-US")}</Link>}
        >
          silent for more than 5 min
        </Stat>
        <Stat
          label="Reporting errors"
          value={<Link href={fleetHref({ failing: "1" })}>{totals.failing.toLocaleString("en-US")}</Link>}
        />
        <Stat label="Archived" value={totals.archived.toLocaleString("en-US")}>
          silent past the retention window
        </Stat>
      </div>
      {rollout.length > 0 ? (
        <div className="rollout-grid" role="group" aria-label="Rollout by bundle">
          {rollout.map((r) => (
            <RolloutCard key={r.bundle} rollout={r} selected={shown.bundle === r.bundle} />
          ))}
        </div>
      ) : null}
      <CanaryRollouts rollouts={canaries} />
      <section className="card" style={{ marginTop: 16 }} aria-labelledby="agents-title">
        <div className="card-header">
          <h2 id="agents-title" style={{ fontSize: 14 }}>
            {describeFilters(shown)}
          </h2>
        </div>
        <div className="card-body">
          <FleetFilters
            key={JSON.stringify(shown)}
            filters={shown}
            bundles={rollout.map((r) => r.bundle)}
            credentials={credentials}
            error={error}
          />
        </div>
        <Suspense key={JSON.stringify(query)} fallback={<AgentTableSkeleton />}>
          <AgentTable
            agents={agents}
            filters={shown}
            latestBy={latestBy}
            emptyFleetHint={`Start OPA with a config from a bundle's page (or a new agent credential); it appears here after its first status report.${
              manage
                ? " To see the whole loop at once, start a demo agent: the pinned opa runs here with a fresh credential and sends it realistic requests for ten minutes."
                : ""
            }`}
          />
        </Suspense>
      </section>
    </div>
  );
}

function one(value: string | string[] | undefined): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The table's title in words: "Agents pulling payments not on r12, stale". */
function describeFilters(f: Filters): string {
  if (Object.keys(f).length === 0) return "All agents";
  const parts: string[] = [];
  if (f.bundle) parts.push(`pulling ${f.bundle}`);
  if (f.revision) parts.push(`on ${f.revision}`);
  if (f.notRevision) parts.push(`not on ${f.notRevision}`);
  if (f.unassigned === "1" || f.unassigned === "true") parts.push("not on the revision served to them");
  if (f.label) parts.push(`labelled ${f.label}`);
  if (f.credential) parts.push("with one credential");
  if (f.q) parts.push(`whose id contains “${f.q}”`);
  if (f.stale === "1" || f.stale === "true") parts.push("stale");
  if (f.stale === "0" || f.stale === "false") parts.push("seen in the last 5 min");
  if (f.failing === "1" || f.failing === "true") parts.push("reporting errors");
  if (f.failing === "0" || f.failing === "false") parts.push("without errors");
  return `Agents ${parts.join(", ")}`;
}
