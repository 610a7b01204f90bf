import { beforeAll, describe, expect, it } from "vitest";
import { db, pool } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import { ADVISORY_LOCKS } from "@/lib/core/advisory-locks";
import { withSessionLock } from "@/lib/core/session-lock";
import { enqueueAgentStatus, flushAgentStatus } from "@/lib/agents/record-agent-status";
import { ZStatusReport } from "@/lib/agents/schemas";
import { fleetTotals, rolloutProgress } from "@/lib/agents/fleet";
import { listAgents } from "@/lib/agents/list-agents";
import type { TFleetQueryInput } from "@/lib/agents/fleet-query";
import { archiveSilentAgents } from "@/lib/agents/archive-silent-agents";
import { publishChangeRequest } from "@/lib/publishing/publish-change-request";
import type { Actor } from "@/lib/auth/actor";
import { createTestUser } from "@/test/factories/actors";
import { createTestAgentCredential } from "@/test/factories/agents";
import { approvedScenario, shipNewVersion, TEST_OVERRIDE } from "@/test/factories/bundles";

// The fleet view over a generated fleet whose every attribute follows from the agent's number, so
// each filter's exact answer can be computed here and compared with what the database returns.

type Model = {
  identity: string;
  revision: string | null;
  extra: boolean;
  failing: boolean;
  team: string;
  region: string;
  credentialId: string;
  stale: boolean;
};

const FLEET = 240;
let actors: { admin: Actor; author: Actor; reviewer: Actor; reader: Actor };
let bundle: string;
let credentials: [string, string];
let fleet: Model[];

function reportFor(m: Pick<Model, "identity" | "revision" | "extra" | "failing" | "team" | "region">) {
  return ZStatusReport.parse({
    labels: { id: `${m.identity}-pid`, instance: m.identity, version: "1.2.3", team: m.team, region: m.region },
    bundles: {
      [bundle]: {
        name: bundle,
        active_revision: m.revision ?? "",
        ...(m.failing ? { code: "bundle_error", message: "server replied with Unauthorized", http_code: 401 } : {}),
      },
      ...(m.extra ? { extra: { name: "extra", active_revision: "r7" } } : {}),
    },
  });
}

async function report(models: Model[]) {
  for (const m of models) enqueueAgentStatus(reportFor(m), m.credentialId);
  await flushAgentStatus();
}

/** Every identity a query returns, following nextCursor to the end. */
async function pageThrough(query: TFleetQueryInput, between?: (page: number) => Promise<void>) {
  const seen: string[] = [];
  const counts: number[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const result = await listAgents({ actor: actors.reader, query: { ...query, cursor, limit: 17 } });
    seen.push(...result.items.map((a) => a.identity));
    counts.push(result.matching);
    if (!result.nextCursor) return { seen, counts };
    cursor = result.nextCursor;
    await between?.(page);
  }
  throw new Error("more than 100 pages");
}

const sorted = (xs: string[]) => [...xs].sort();

beforeAll(async () => {
  actors = {
    admin: await createTestUser(["admin"]),
    author: await createTestUser(["author"]),
    reviewer: await createTestUser(["reviewer"]),
    reader: await createTestUser(["viewer"]),
  };
  const s = await approvedScenario(actors);
  await publishChangeRequest({ actor: actors.admin, number: s.cr.number, input: { overrideReason: TEST_OVERRIDE } });
  await shipNewVersion(actors, s, ["alice", "bob"], 1);
  bundle = s.bundle.name;
  credentials = [
    (await createTestAgentCredential(actors.admin)).credential.id,
    (await createTestAgentCredential(actors.admin)).credential.id,
  ];
  fleet = Array.from({ length: FLEET }, (_, i) => ({
    identity: `agent-${String(i).padStart(3, "0")}`,
    revision: [`r2`, `r2`, `r2`, `r1`, null][i % 5]!,
    extra: i % 4 === 0,
    failing: i % 7 === 0,
    team: ["payments", "search", "ops"][i % 3]!,
    region: i % 2 === 0 ? "us" : "eu",
    credentialId: credentials[i % 2]!,
    stale: i % 6 === 0,
  }));
  await report(fleet);
  await pool().query("UPDATE agents SET last_seen_at = now() - interval '10 minutes' WHERE identity = ANY($1)", [
    fleet.filter((m) => m.stale).map((m) => m.identity),
  ]);
});

describe("the fleet list", () => {
  const cases: Array<[string, TFleetQueryInput, (m: Model) => boolean]> = [
    ["everyone", {}, () => true],
    ["stale", { stale: "1" }, (m) => m.stale],
    ["not stale", { stale: "false" }, (m) => !m.stale],
    ["failing", { failing: "true" }, (m) => m.failing],
    ["stale and failing", { stale: "1", failing: "1" }, (m) => m.stale && m.failing],
    [
      "stale and failing, asked with a query parsed before",
      { stale: true, failing: true },
      (m) => m.stale && m.failing,
    ],
    ["pulling a bundle", { bundle: "extra" }, (m) => m.extra],
    [
      "on a revision of a bundle",
      {
        get bundle() {
          return bundle;
        },
        revision: "r1",
      },
      (m) => m.revision === "r1",
    ],
    ["on a revision of any bundle", { revision: "r7" }, (m) => m.extra],
    ["with a label", { label: "team=ops" }, (m) => m.team === "ops"],
    [
      "with a label and a credential",
      {
        label: "team=payments",
        get credential() {
          return credentials[1];
        },
      },
      (m) => m.team === "payments" && m.credentialId === credentials[1],
    ],
    ["by a part of the identity, any case", { q: "AGENT-01" }, (m) => m.identity.startsWith("agent-01")],
    ["by identity text with LIKE's wildcards taken literally", { q: "agent_0" }, () => false],
    ["with an unknown label value", { label: "team=nobody" }, () => false],
  ];

  for (const [name, query, expected] of cases) {
    it(`returns exactly the agents ${name}, page after page`, async () => {
      const { seen, counts } = await pageThrough(query);
      const want = sorted(fleet.filter(expected).map((m) => m.identity));
      expect(seen).toEqual(want);
      for (const n of counts) expect(n).toBe(want.length);
    });
  }

  it("says what each agent runs, and which are stale or failing", async () => {
    const page = await listAgents({ actor: actors.reader, query: { q: "agent-007" } });
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({
      identity: "agent-007",
      hasErrors: true,
      stale: false,
      credential: { id: credentials[1] },
      bundles: [{ name: bundle, activeRevision: "r2", code: "bundle_error", httpCode: 401 }],
    });
    const stale = await listAgents({ actor: actors.reader, query: { q: "agent-012" } });
    expect(stale.items[0]).toMatchObject({ stale: true, hasErrors: false });
    // Bundles in name order ("extra" before the generated "t…" name).
    expect(stale.items[0]!.bundles.map((b) => [b.name, b.activeRevision])).toEqual([
      ["extra", "r7"],
      [bundle, "r2"],
    ]);
  });

  it("pages backwards to the same pages it paged forwards", async () => {
    const forward: string[][] = [];
    let page = await listAgents({ actor: actors.reader, query: { label: "team=search", limit: 10 } });
    expect(page.prevCursor).toBeNull();
    forward.push(page.items.map((a) => a.identity));
    while (page.nextCursor) {
      page = await listAgents({
        actor: actors.reader,
        query: { label: "team=search", limit: 10, cursor: page.nextCursor },
      });
      forward.push(page.items.map((a) => a.identity));
    }
    const backward: string[][] = [page.items.map((a) => a.identity)];
    while (page.prevCursor) {
      page = await listAgents({
        actor: actors.reader,
        query: { label: "team=search", limit: 10, before: page.prevCursor },
      });
      backward.unshift(page.items.map((a) => a.identity));
    }
    expect(backward).toEqual(forward);
    expect(forward.length).toBe(Math.ceil(fleet.filter((m) => m.team === "search").length / 10));
  });

  it("lists every agent exactly once while agents report and new ones appear between pages", async () => {
    const before = sorted(fleet.map((m) => m.identity));
    const added: Model[] = [];
    const { seen } = await pageThrough({}, async (page) => {
      // New agents on both sides of the cursor, and known agents reporting (their last-seen time moves).
      const fresh = ["agent-000a", "agent-zzz", `agent-${page}-late`].map((identity) => ({
        ...fleet[1]!,
        identity: `${identity}-${page}`,
      }));
      added.push(...fresh);
      await report([...fresh, fleet[(page * 37) % FLEET]!, fleet[(page * 53 + 11) % FLEET]!]);
    });
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => before.includes(id))).toEqual(before);
    expect(seen.filter((id) => !before.includes(id)).every((id) => added.some((m) => m.identity === id))).toBe(true);
    await pool().query("DELETE FROM agents WHERE identity = ANY($1)", [added.map((m) => m.identity)]);
    await pool().query("UPDATE agents SET last_seen_at = now() - interval '10 minutes' WHERE identity = ANY($1)", [
      fleet.filter((m) => m.stale).map((m) => m.identity),
    ]);
  });

  it("refuses a cursor it did not make and a not-on-revision list without its bundle", async () => {
    const problem = (query: TFleetQueryInput) =>
      listAgents({ actor: actors.reader, query }).then(
        () => null,
        (e: unknown) => e,
      );
    const badCursor = await problem({ cursor: "not a cursor!" });
    expect(badCursor).toBeInstanceOf(AppError);
    expect((badCursor as AppError).status).toBe(422);
    expect(await problem({ notRevision: "r2" })).toBeTruthy();
    expect(await problem({ label: "no-equals-sign" })).toBeTruthy();
  });
});

describe("the rollout summary", () => {
  it("counts the agents on each revision, and its not-on-latest count is the not-on-latest list", async () => {
    const rollout = (await rolloutProgress({ actor: actors.reader })).find((r) => r.bundle === bundle)!;
    const on = (rev: string | null) => fleet.filter((m) => m.revision === rev);
    expect(rollout.latest?.revision).toBe("r2");
    expect(rollout.revisions).toEqual(
      (["r2", "r1", null] as const).map((revision) => ({
        revision,
        agents: on(revision).length,
        stale: on(revision).filter((m) => m.stale).length,
        latest: revision === "r2",
        // Without a rollout every agent is served the newest revision.
        assigned: revision === "r2",
      })),
    );
    expect(rollout.total).toBe(FLEET);
    expect(rollout.onLatest).toBe(on("r2").filter((m) => !m.stale).length);
    expect(rollout.stale).toBe(fleet.filter((m) => m.stale).length);
    expect(rollout.failing).toBe(fleet.filter((m) => m.failing && !m.stale).length);

    const notOn = await pageThrough({ bundle, notRevision: "r2" });
    const want = sorted(fleet.filter((m) => m.revision !== "r2").map((m) => m.identity));
    expect(notOn.seen).toEqual(want);
    expect(rollout.notOnLatest).toBe(want.length);
    expect((await pageThrough({ bundle, unassigned: true })).seen).toEqual(want);
    // An agent that does not pull the bundle at all is not "behind" on it.
    expect((await pageThrough({ bundle: "extra", notRevision: "r7" })).seen).toEqual([]);
  });

  it("totals the fleet", async () => {
    expect(await fleetTotals({ actor: actors.reader })).toEqual({
      agents: FLEET,
      stale: fleet.filter((m) => m.stale).length,
      failing: fleet.filter((m) => m.failing).length,
      archived: 0,
    });
  });
});

describe("archiving silent agents", () => {
  it("moves only agents silent past retention, records it, and brings one back when it reports again", async () => {
    const silent = fleet.filter((_, i) => i % 40 === 5);
    const longAgo = new Date(Date.now() - 45 * 86_400_000);
    const borderline = fleet[6]!;
    await pool().query("UPDATE agents SET last_seen_at = $2, first_seen_at = $2 WHERE identity = ANY($1)", [
      silent.map((m) => m.identity),
      longAgo,
    ]);
    await pool().query("UPDATE agents SET last_seen_at = now() - interval '29 days' WHERE identity = $1", [
      borderline.identity,
    ]);
    const held = await withSessionLock(ADVISORY_LOCKS.agentArchive, () => archiveSilentAgents({ retentionDays: 30 }));
    expect(held).toEqual({ ran: false, archived: 0 });

    expect(await archiveSilentAgents({ retentionDays: 30 })).toEqual({ ran: true, archived: silent.length });
    const left = (await pool().query<{ identity: string }>("SELECT identity FROM agents")).rows.map((r) => r.identity);
    expect(sorted(left)).toEqual(sorted(fleet.filter((m) => !silent.includes(m)).map((m) => m.identity)));
    const archived = await db.archivedAgent.findMany({ orderBy: { identity: "asc" } });
    expect(archived.map((a) => a.identity)).toEqual(sorted(silent.map((m) => m.identity)));
    expect(archived[0]!.bundles).toEqual([
      expect.objectContaining({ bundle_name: bundle, active_revision: silent[0]!.revision }),
      ...(silent[0]!.extra ? [expect.objectContaining({ bundle_name: "extra", active_revision: "r7" })] : []),
    ]);
    expect(archived[0]!.labels).toMatchObject({ instance: silent[0]!.identity, team: silent[0]!.team });
    const statuses = await pool().query(
      "SELECT 1 FROM agent_bundle_statuses s JOIN agents a ON a.id = s.agent_id WHERE a.identity = ANY($1)",
      [silent.map((m) => m.identity)],
    );
    expect(statuses.rowCount).toBe(0);
    const event = await db.auditEvent.findFirst({ where: { action: "agents.archived" }, orderBy: { seq: "desc" } });
    expect(event).toMatchObject({ actorType: "system", actorLabel: "agent retention", targetType: "agents" });
    expect(event!.after).toMatchObject({
      count: silent.length,
      identities: sorted(silent.map((m) => m.identity)),
      retentionDays: 30,
    });
    expect((await fleetTotals({ actor: actors.reader })).archived).toBe(silent.length);
    expect((await listAgents({ actor: actors.reader, query: { q: silent[0]!.identity } })).items).toEqual([]);

    expect(await archiveSilentAgents({ retentionDays: 30 })).toEqual({ ran: true, archived: 0 });

    const returning = silent[1]!;
    await report([{ ...returning, revision: "r2" }]);
    const back = await listAgents({ actor: actors.reader, query: { q: returning.identity } });
    expect(back.items).toHaveLength(1);
    expect(back.items[0]).toMatchObject({ stale: false, firstSeenAt: longAgo.toISOString() });
    expect(back.items[0]!.bundles.find((b) => b.name === bundle)?.activeRevision).toBe("r2");
    expect(await db.archivedAgent.count({ where: { identity: returning.identity } })).toBe(0);
    expect(await db.archivedAgent.count()).toBe(silent.length - 1);
  });
});
