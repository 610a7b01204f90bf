import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { pool } from "@/lib/core/db";
import { enqueueAgentStatus, flushAgentStatus } from "@/lib/agents/record-agent-status";
import { ZStatusReport } from "@/lib/agents/schemas";

// Status reports from many agents are written together, in one statement per table every 250 ms.
// A report the schema accepts must never make that statement fail: it would drop every other
// agent's report in the same flush.
describe("storing status reports with hostile values", () => {
  it("stores an honest agent's report next to reports with out-of-range numbers, times and text", async () => {
    const prefix = `hostile-${randomUUID().slice(0, 8)}`;
    const hostile: Array<Record<string, unknown>> = [
      { bundles: { b: { name: "b", http_code: 3_000_000_000 } } },
      { bundles: { b: { name: "b", http_code: -2_147_483_649 } } },
      {
        bundles: {
          b: { name: "b", last_request: "0000-01-01T00:00:00Z", last_successful_activation: "+275760-09-13T00:00:00Z" },
        },
      },
      {
        bundles: { b: { name: "b", last_request: "Tue, 01 Jan 2026 00:00:00 GMT", message: "nul \u0000 and \ud800" } },
      },
      { labels_extra: "\u0000", plugins: { bundle: { state: "OK\u0000" } } },
    ];
    const honest = `${prefix}-honest`;
    const credential = (await pool().query("SELECT id FROM agent_credentials LIMIT 1")).rows[0]?.id ?? null;
    hostile.forEach((extra, i) => {
      const report = ZStatusReport.parse({ labels: { id: randomUUID(), instance: `${prefix}-${i}` }, ...extra });
      enqueueAgentStatus(report, credential);
    });
    enqueueAgentStatus(
      ZStatusReport.parse({
        labels: { id: randomUUID(), instance: honest, version: "1.22.2" },
        bundles: { b: { name: "b", active_revision: "r1", last_request: "2026-05-01T12:00:00.123456789Z" } },
      }),
      credential,
    );
    await flushAgentStatus();
    const { rows } = await pool().query(
      "SELECT a.identity, s.active_revision, s.http_code, s.last_request FROM agents a LEFT JOIN agent_bundle_statuses s ON s.agent_id = a.id WHERE a.identity LIKE $1 ORDER BY a.identity",
      [`${prefix}-%`],
    );
    expect(rows.find((r) => r.identity === honest)).toMatchObject({
      active_revision: "r1",
      last_request: new Date("2026-05-01T12:00:00.123Z"),
    });
    expect(rows).toHaveLength(hostile.length + 1);
    const byIdentity = Object.fromEntries(rows.map((r) => [r.identity, r]));
    expect(byIdentity[`${prefix}-0`].http_code).toBeNull();
    expect(byIdentity[`${prefix}-2`].last_request).toBeNull();
    expect(byIdentity[`${prefix}-3`].last_request).toEqual(new Date("2026-01-01T00:00:00Z"));
  });
});
