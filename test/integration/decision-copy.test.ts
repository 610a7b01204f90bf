import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "@/lib/auth/actor";
import { ingestDecisionBatch } from "@/lib/decisions/ingest-decision-batch";
import { listDecisions } from "@/lib/decisions/list-decisions";
import { copyDecisionRows, CopyBinaryParser } from "@/lib/decisions/copy-decision-rows";
import { exportDecisions } from "@/lib/decisions/export-decisions";
import { ZDecisionFilter, ZExportDecisionsQuery, ZListDecisionsQuery } from "@/lib/decisions/schemas";
import { createTestUser } from "@/test/factories/actors";
import { decisionEvent } from "@/test/factories/decisions";

let auditor: Actor;
const HOUR = 3600_000;
const base = Math.floor((Date.now() - 6 * HOUR) / HOUR) * HOUR;
const run = randomUUID().slice(0, 8);
const agent = `copy-agent-${run}`;
// Callers with characters that must survive being written into the COPY statement as literals.
const odd = `spiffe://prod/ns/o'brien\\x/sa/${run}`;
const N = 23;

beforeAll(async () => {
  auditor = await createTestUser(["auditor"]);
  const events = Array.from({ length: N }, (_, i) =>
    decisionEvent({
      decision_id: `${run}-${String(i).padStart(3, "0")}`,
      // Two decisions share each timestamp (the keyset must go on by id), spread over three days' partitions.
      timestamp: new Date(base - Math.floor(i / 2) * 3 * HOUR).toISOString().replace("Z", "123456Z"),
      path: i % 5 === 0 ? "system/health" : "verdict/authz/allow",
      input: { caller: i % 3 === 0 ? odd : `spiffe://prod/ns/orders/sa/${run}`, note: `line\nbreak "${i}" é ☃`, n: i },
      result: { allow: i % 4 !== 0 },
      labels: { id: "x", instance: agent },
    }),
  );
  await ingestDecisionBatch({ agent: { credentialId: null }, body: Buffer.from(JSON.stringify(events)) });
});

const from = () => new Date(base - 5 * 24 * HOUR);
const to = () => new Date(base + HOUR);

async function listed(q: Record<string, unknown>) {
  const items = [];
  let cursor: string | undefined;
  do {
    const page = await listDecisions({
      actor: auditor,
      query: ZListDecisionsQuery.parse({
        from: from().toISOString(),
        to: to().toISOString(),
        agent,
        ...q,
        limit: 7,
        cursor,
      }),
    });
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

async function copied(q: Record<string, unknown>, options: { batch: number; limit?: number }) {
  const lines: Array<Record<string, unknown>> = [];
  const count = await copyDecisionRows(
    { ...ZDecisionFilter.parse({ agent, ...q }), from: from(), to: to() },
    {
      limit: options.limit ?? Number.POSITIVE_INFINITY,
      batch: options.batch,
      columns: () => "",
      onRows: (rows) => {
        for (const row of rows) lines.push(JSON.parse(row[0]!.toString("utf8")));
      },
    },
  );
  return { count, lines };
}

describe("reading decisions with binary COPY", () => {
  it("reads every decision once, newest first, across keyset batches smaller than a timestamp's ties", async () => {
    const expected = await listed({});
    expect(expected).toHaveLength(N);
    for (const batch of [1, 2, 3, 1000]) {
      const { count, lines } = await copied({}, { batch });
      expect(count).toBe(N);
      expect(lines.map((l) => l.decisionId)).toEqual(expected.map((d) => d.decisionId));
    }
  });

  it("serialises each decision as the export did: the summary fields, then the stored documents exactly", async () => {
    const { lines } = await copied({}, { batch: 5 });
    const summaries = await listed({});
    for (const [i, line] of lines.entries()) {
      const { input, result, labels, metrics, bundles, extra, ...summary } = line;
      expect(summary).toEqual(summaries[i]);
      expect(Object.keys(line)).toEqual([
        "timestamp",
        "decisionId",
        "path",
        "outcome",
        "caller",
        "agent",
        "revisions",
        "unpublished",
        "receivedAt",
        "input",
        "result",
        "labels",
        "metrics",
        "bundles",
        "extra",
      ]);
      const n = Number(String(line.decisionId).slice(-3));
      expect(input).toMatchObject({ note: `line\nbreak "${n}" é ☃`, n });
      expect(result).toEqual({ allow: n % 4 !== 0 });
      expect(labels).toMatchObject({ instance: agent });
      expect(metrics).toEqual({ timer_rego_query_eval_ns: 41234, timer_server_handler_ns: 98765 });
      expect(bundles).toEqual({ main: { revision: "r42" } });
      expect(extra).toMatchObject({ requested_by: "127.0.0.1:54321" });
    }
  });

  it("applies filters whose values carry quotes and backslashes, and stops at the limit", async () => {
    const byMatch = await copied({ match: `input.caller = "${odd.replaceAll("\\", "\\\\")}"` }, { batch: 2 });
    expect(byMatch.lines.map((l) => l.decisionId)).toEqual(
      (await listed({ match: `input.caller = "${odd.replaceAll("\\", "\\\\")}"` })).map((d) => d.decisionId),
    );
    expect(byMatch.count).toBe(Math.ceil(N / 3));
    const denied = await copied({ outcome: "denied", path: "verdict/authz/allow" }, { batch: 2 });
    expect(denied.lines.map((l) => l.decisionId)).toEqual(
      (await listed({ outcome: "denied", path: "verdict/authz/allow" })).map((d) => d.decisionId),
    );
    const newest = await copied({}, { batch: 4, limit: 9 });
    expect(newest.count).toBe(9);
    expect(newest.lines.map((l) => l.decisionId)).toEqual((await listed({})).slice(0, 9).map((d) => d.decisionId));
  });

  it("streams NDJSON exports as one decision per line", async () => {
    const { stream } = await exportDecisions({
      actor: auditor,
      query: ZExportDecisionsQuery.parse({
        format: "ndjson",
        from: from().toISOString(),
        to: to().toISOString(),
        agent,
      }),
    });
    const body = await new Response(stream).text();
    expect(body.endsWith("}\n")).toBe(true);
    const rows = body
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => r.decisionId)).toEqual((await listed({})).map((d) => d.decisionId));
  });

  it("parses rows that straddle chunks, byte by byte", () => {
    const field = (b: Buffer | null) => {
      const len = Buffer.alloc(4);
      len.writeInt32BE(b ? b.length : -1);
      return b ? Buffer.concat([len, b]) : len;
    };
    const row = (...fields: Array<string | null>) => {
      const count = Buffer.alloc(2);
      count.writeInt16BE(fields.length);
      return Buffer.concat([count, ...fields.map((f) => field(f === null ? null : Buffer.from(f)))]);
    };
    const trailer = Buffer.from([0xff, 0xff]);
    const header = Buffer.concat([Buffer.from("PGCOPY\n\xff\r\n\0", "latin1"), Buffer.alloc(8)]);
    const all = Buffer.concat([header, row("a", null, "ü"), row("", "bc"), trailer]);
    const parser = new CopyBinaryParser();
    const rows = [...all].flatMap((byte) => parser.push(Buffer.from([byte])));
    expect(rows.map((r) => r.map((f) => (f === null ? null : f.toString("utf8"))))).toEqual([
      ["a", null, "ü"],
      ["", "bc"],
    ]);
  });
});
