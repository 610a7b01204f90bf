import { describe, expect, it } from "vitest";
import { db, pool } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import { ingestDecisionBatch } from "@/lib/decisions/ingest-decision-batch";
import { runDecisionMaintenance } from "@/lib/decisions/retention";
import { verifyAuditChain } from "@/lib/audit/verify-audit-chain";
import { decisionEvent } from "@/test/factories/decisions";
import { eventually } from "@/test/factories/agents";

const agent = { credentialId: null };
const body = (events: unknown) => Buffer.from(JSON.stringify(events));

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

async function stored(ids: string[]) {
  const { rows } = await pool().query(
    `SELECT decision_id, to_char("timestamp" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ts, path, allowed, caller, agent, revisions, unpublished,
            bundles, input, result, labels, metrics, extra
       FROM decisions WHERE decision_id = ANY($1) ORDER BY decision_id`,
    [ids],
  );
  return rows;
}

async function rollupTotal(agentName: string): Promise<number> {
  const { rows } = await pool().query(
    "SELECT coalesce(sum(count), 0)::int AS n FROM decision_rollups WHERE agent = $1",
    [agentName],
  );
  return rows[0].n;
}

describe("ingestDecisionBatch", () => {
  it("stores every event with the extracted columns and the full documents", async () => {
    const spiffe = "spiffe://prod.example.com/ns/billing/sa/api";
    const events = [
      decisionEvent({
        timestamp: "2026-11-20T10:00:00.123456789Z",
        result: true,
        labels: { id: "x", instance: "a-1" },
      }),
      decisionEvent({
        result: { allowed: false },
        input: { attributes: { source: { principal: spiffe } } },
        labels: { id: "y" },
      }),
      decisionEvent({
        result: undefined,
        path: undefined,
        bundles: undefined,
        input: { caller: spiffe },
        erased: ["/input/password"],
      }),
    ];
    const ids = events.map((e) => e.decision_id as string);
    const result = await ingestDecisionBatch({ agent, body: body(events) });
    expect(result).toEqual({ received: 3, stored: 3, duplicates: 0, expired: 0 });
    const rows = Object.fromEntries((await stored(ids)).map((r) => [r.decision_id, r]));
    expect(rows[ids[0]!]).toMatchObject({
      ts: "2026-11-20T10:00:00.123456Z",
      path: "verdict/authz/allow",
      allowed: true,
      agent: "a-1",
      revisions: ["r42"],
      unpublished: true,
      caller: (events[0]!.input as { caller: string }).caller,
      input: events[0]!.input,
      result: true,
      bundles: { main: { revision: "r42" } },
      metrics: events[0]!.metrics,
      extra: { requested_by: "127.0.0.1:54321", req_id: events[0]!.req_id },
    });
    expect(rows[ids[1]!]).toMatchObject({ allowed: false, caller: spiffe, agent: "id:y" });
    expect(rows[ids[2]!]).toMatchObject({
      allowed: null,
      path: null,
      result: null,
      revisions: [],
      unpublished: true,
      caller: spiffe,
    });
    expect(rows[ids[2]!].extra).toMatchObject({ erased: ["/input/password"] });
  });

  it("stores a retried upload once and counts it once", async () => {
    const events = Array.from({ length: 30 }, () => decisionEvent({ labels: { id: "z", instance: "retry-agent" } }));
    expect(await ingestDecisionBatch({ agent, body: body(events) })).toMatchObject({ stored: 30, duplicates: 0 });
    expect(await ingestDecisionBatch({ agent, body: body(events) })).toMatchObject({ stored: 0, duplicates: 30 });
    const extra = decisionEvent({ labels: { id: "z", instance: "retry-agent" }, decision_id: "shared-new" });
    const both = await Promise.all([1, 2].map(() => ingestDecisionBatch({ agent, body: body([...events, extra]) })));
    expect(both.map((r) => r.stored).sort()).toEqual([0, 1]);
    expect((await stored([...events.map((e) => e.decision_id as string), "shared-new"])).length).toBe(31);
    expect(await rollupTotal("retry-agent")).toBe(31);
  });

  it("stores uploads written in one transaction independently: a repeated upload among new ones is stored once, the others in full", async () => {
    const labels = { id: "g", instance: "group-agent" };
    const old = Array.from({ length: 20 }, () => decisionEvent({ labels }));
    await ingestDecisionBatch({ agent, body: body(old) });
    const fresh = [1, 2, 3].map(() => Array.from({ length: 20 }, () => decisionEvent({ labels })));
    // Queued together while the first write is in flight, so they share one transaction.
    const results = await Promise.all(
      [fresh[0], old, fresh[1], [...fresh[2]!, fresh[2]![0]], old].map((events) =>
        ingestDecisionBatch({ agent, body: body(events) }),
      ),
    );
    expect(results.map((r) => [r.stored, r.duplicates])).toEqual([
      [20, 0],
      [0, 20],
      [20, 0],
      [20, 1],
      [0, 20],
    ]);
    expect((await stored([...old, ...fresh.flat()].map((e) => e.decision_id as string))).length).toBe(80);
    expect(await rollupTotal("group-agent")).toBe(80);
  });

  it("stores a row another instance is inserting at the same moment once, whether that instance commits or rolls back", async () => {
    for (const otherCommits of [true, false]) {
      const labels = { id: "c", instance: `concurrent-${otherCommits}` };
      const events = Array.from({ length: 10 }, () => decisionEvent({ labels, timestamp: new Date().toISOString() }));
      // Another instance's transaction holds the first row, uncommitted: our COPY waits on it.
      const other = await pool().connect();
      try {
        await other.query("BEGIN");
        await other.query(
          `INSERT INTO decisions ("timestamp", decision_id, agent, unpublished, labels) VALUES ($1, $2, $3, true, '{}')`,
          [events[0]!.timestamp, events[0]!.decision_id, labels.instance],
        );
        const ingest = ingestDecisionBatch({ agent, body: body(events) });
        await eventually(async () => {
          const { rows } = await pool().query(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'COPY decisions%'",
          );
          expect(rows[0].n).toBe(1);
        });
        await other.query(otherCommits ? "COMMIT" : "ROLLBACK");
        expect(await ingest).toMatchObject(otherCommits ? { stored: 9, duplicates: 1 } : { stored: 10, duplicates: 0 });
      } finally {
        other.release();
      }
      expect((await stored(events.map((e) => e.decision_id as string))).length).toBe(10);
      expect(await rollupTotal(labels.instance)).toBe(otherCommits ? 9 : 10);
    }
  });

  it("stores text with tabs, newlines, backslashes, quotes and non-ASCII exactly as sent", async () => {
    const odd = 'tab\there\nnew\\line "quoted" \\N é 🚀 {a,b}';
    const event = decisionEvent({
      decision_id: `odd\t${Date.now()}`,
      path: `odd/${odd}`,
      labels: { id: "o", instance: `agent ${odd}` },
      input: { caller: `spiffe://x/${odd}`, note: odd, nested: [odd, { odd }] },
      result: { allow: true, reason: odd },
      bundles: { main: { revision: `r${odd}` } },
    });
    await ingestDecisionBatch({ agent, body: body([event]) });
    const [row] = await stored([event.decision_id as string]);
    expect(row).toMatchObject({
      path: `odd/${odd}`,
      agent: `agent ${odd}`,
      caller: `spiffe://x/${odd}`,
      input: event.input,
      result: event.result,
      revisions: [`r${odd}`],
    });
  });

  it("refuses the whole batch when one event is invalid, naming the event and field", async () => {
    const good = decisionEvent();
    const cases: Array<[unknown, string]> = [
      [{ ...decisionEvent(), decision_id: undefined }, "[1].decision_id"],
      [{ ...decisionEvent(), timestamp: "yesterday" }, "[1].timestamp"],
      [{ ...decisionEvent(), labels: "nope" }, "[1].labels"],
      [{ ...decisionEvent(), timestamp: new Date(Date.now() + 3 * 86_400_000).toISOString() }, "[1].timestamp"],
      ["not an object", "[1]."],
    ];
    for (const [bad, path] of cases) {
      const error = await failure(ingestDecisionBatch({ agent, body: body([good, bad]) }));
      expect(error.status).toBe(422);
      expect(error.fieldErrors?.[0]?.path).toBe(path);
    }
    expect(await stored([good.decision_id as string])).toEqual([]);
  });

  it("refuses a body that is not a JSON array of events", async () => {
    expect((await failure(ingestDecisionBatch({ agent, body: Buffer.from("{nope") }))).message).toBe(
      "The batch is not valid JSON",
    );
    expect((await failure(ingestDecisionBatch({ agent, body: body({ decision_id: "x" }) }))).message).toBe(
      "The batch must be a JSON array of decision events",
    );
  });

  it("refuses an event larger than the per-event limit with 413", async () => {
    const huge = decisionEvent({ input: { blob: "x".repeat(1024 * 1024) } });
    const error = await failure(ingestDecisionBatch({ agent, body: body([decisionEvent(), huge]) }));
    expect([error.status, error.message]).toEqual([413, "Event [1] is larger than 1 MiB"]);
  });

  it("creates the partition for any day a batch touches", async () => {
    const day = new Date(Date.now() - 9 * 86_400_000).toISOString().slice(0, 10);
    const event = decisionEvent({ timestamp: `${day}T23:59:59.999999999Z` });
    await ingestDecisionBatch({ agent, body: body([event]) });
    const { rows } = await pool().query(
      "SELECT tableoid::regclass::text AS part FROM decisions WHERE decision_id = $1",
      [event.decision_id],
    );
    expect(rows[0].part).toBe(`decisions_p${day.replaceAll("-", "")}`);
  });

  it("answers 503 (OPA retries) when another instance dropped a partition this one remembered, then stores the retry", async () => {
    const day = new Date(Date.now() - 11 * 86_400_000).toISOString().slice(0, 10);
    const at = (n: number) =>
      decisionEvent({ labels: { id: "p", instance: "dropped-partition" }, timestamp: `${day}T12:00:0${n}Z` });
    await ingestDecisionBatch({ agent, body: body([at(1)]) });
    await pool().query(`DROP TABLE decisions_p${day.replaceAll("-", "")}`);
    const retried = [at(2), at(3)];
    const refused = await ingestDecisionBatch({ agent, body: body(retried) }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).status).toBe(503);
    expect(await ingestDecisionBatch({ agent, body: body(retried) })).toMatchObject({ stored: 2 });
    expect((await stored(retried.map((e) => e.decision_id as string))).length).toBe(2);
  });

  it("skips events older than the retention window instead of storing what retention would drop", async () => {
    const old = decisionEvent({ timestamp: new Date(Date.now() - 40 * 86_400_000).toISOString() });
    const fresh = decisionEvent();
    expect(await ingestDecisionBatch({ agent, body: body([old, fresh]) })).toMatchObject({
      received: 2,
      stored: 1,
      expired: 1,
    });
    expect((await stored([old.decision_id as string, fresh.decision_id as string])).map((r) => r.decision_id)).toEqual([
      fresh.decision_id,
    ]);
  });
});

describe("retention", () => {
  it("drops whole partitions past the retention window, with their rollups, and records it", async () => {
    const now = Date.now();
    const oldDay = new Date(now - 12 * 86_400_000);
    const keptDay = new Date(now - 8 * 86_400_000);
    const events = [
      decisionEvent({ timestamp: oldDay.toISOString(), labels: { id: "r", instance: "retention-agent" } }),
      decisionEvent({ timestamp: keptDay.toISOString(), labels: { id: "r", instance: "retention-agent" } }),
    ];
    await ingestDecisionBatch({ agent, body: body(events) });
    const report = await runDecisionMaintenance({ now, retentionDays: 10 });
    expect(report.ran).toBe(true);
    expect(report.dropped).toContain(oldDay.toISOString().slice(0, 10));
    expect(report.dropped).not.toContain(keptDay.toISOString().slice(0, 10));
    expect((await stored(events.map((e) => e.decision_id as string))).map((r) => r.decision_id)).toEqual([
      events[1]!.decision_id,
    ]);
    expect(await rollupTotal("retention-agent")).toBe(1);
    const { rows } = await pool().query("SELECT to_regclass($1) AS t", [
      `decisions_p${oldDay.toISOString().slice(0, 10).replaceAll("-", "")}`,
    ]);
    expect(rows[0].t).toBeNull();
    const audit = await db.auditEvent.findFirst({
      where: { action: "decisions.retention_drop" },
      orderBy: { seq: "desc" },
    });
    expect(audit?.after).toMatchObject({
      retentionDays: 10,
      days: expect.arrayContaining([oldDay.toISOString().slice(0, 10)]),
    });
    expect((await verifyAuditChain()).ok).toBe(true);
    // Partitions for the coming days exist ahead of time, and the job is idempotent.
    const ahead = new Date(now + 3 * 86_400_000).toISOString().slice(0, 10).replaceAll("-", "");
    expect((await pool().query("SELECT to_regclass($1) AS t", [`decisions_p${ahead}`])).rows[0].t).not.toBeNull();
    expect(await runDecisionMaintenance({ now, retentionDays: 10 })).toEqual({ ran: true, created: [], dropped: [] });
  });
});
