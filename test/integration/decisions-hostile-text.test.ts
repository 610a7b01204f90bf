import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { pool } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import { ingestDecisionBatch } from "@/lib/decisions/ingest-decision-batch";
import { decisionEvent } from "@/test/factories/decisions";

// Text PostgreSQL cannot hold (NUL characters, lone UTF-16 surrogates) is valid JSON and reaches
// OPA's input from any client. OPA requeues a batch on any non-2xx, so such an event must be stored,
// not refused: one hostile request to a service would otherwise block its agent's decision log for good.
describe("decision events with text PostgreSQL cannot store as is", () => {
  it("stores NUL characters and lone surrogates anywhere as U+FFFD, and a retry stays a duplicate", async () => {
    const instance = `nul-${randomUUID().slice(0, 8)}`;
    const decisionId = `${randomUUID()}\u0000x`;
    const events = [
      decisionEvent({
        decision_id: decisionId,
        labels: { id: "x", instance: `${instance}` },
        path: "authz/\u0000allow",
        input: {
          caller: "spiffe://a/\u0000b",
          "k\u0000ey": "\ud800 lone high",
          low: "lone low \udc00",
          pair: "😀",
          literal: "\\u0000 stays text",
        },
        result: { allow: true, reason: "\u0000" },
      }),
    ];
    const body = Buffer.from(JSON.stringify(events));
    expect(await ingestDecisionBatch({ agent: { credentialId: null }, body })).toMatchObject({
      stored: 1,
      duplicates: 0,
    });
    expect(await ingestDecisionBatch({ agent: { credentialId: null }, body })).toMatchObject({
      stored: 0,
      duplicates: 1,
    });
    const { rows } = await pool().query(
      "SELECT decision_id, path, caller, input, result FROM decisions WHERE agent = $1",
      [instance],
    );
    expect(rows).toEqual([
      {
        decision_id: decisionId.replace("\u0000", "\ufffd"),
        path: "authz/\ufffdallow",
        caller: "spiffe://a/\ufffdb",
        input: {
          caller: "spiffe://a/\ufffdb",
          "k\ufffdey": "\ufffd lone high",
          low: "lone low \ufffd",
          pair: "😀",
          literal: "\\u0000 stays text",
        },
        result: { allow: true, reason: "\ufffd" },
      },
    ]);
  });

  it("refuses JSON nested deeper than the limit with 400 and stores nothing", async () => {
    const instance = `deep-${randomUUID().slice(0, 8)}`;
    const deep = `${"[".repeat(5000)}${"]".repeat(5000)}`;
    const body = Buffer.from(
      `[{"decision_id":"${randomUUID()}","timestamp":"${new Date().toISOString()}","labels":{"id":"x","instance":"${instance}"},"input":${deep}}]`,
    );
    const error = await ingestDecisionBatch({ agent: { credentialId: null }, body }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(400);
    expect(
      (await pool().query("SELECT count(*)::int AS n FROM decisions WHERE agent = $1", [instance])).rows[0].n,
    ).toBe(0);
  });
});
