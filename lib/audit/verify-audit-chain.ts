import { db } from "@/lib/core/db";
import { GENESIS_HASH, hashAuditRow } from "@/lib/audit/record-audit-event";

export type AuditChainReport =
  | { ok: true; rows: number; headHash: string }
  | { ok: false; rows: number; brokenAt: string; reason: string };

const PAGE = 2_000;

/** Walks the whole trail in order and recomputes every link. Names the first row that does not fit. */
export async function verifyAuditChain(): Promise<AuditChainReport> {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1n;
  let rows = 0;
  for (;;) {
    const page = await db.auditEvent.findMany({
      where: { seq: { gte: expectedSeq } },
      orderBy: { seq: "asc" },
      take: PAGE,
    });
    if (page.length === 0) break;
    for (const row of page) {
      const at = row.seq.toString();
      if (row.seq !== expectedSeq)
        return broken(rows, expectedSeq.toString(), `row ${expectedSeq} is missing (next row is ${at})`);
      if (row.prevHash !== prevHash) return broken(rows, at, "its prev_hash does not match the previous row's hash");
      const recomputed = hashAuditRow(prevHash, { ...row, before: row.before ?? null, after: row.after ?? null });
      if (recomputed !== row.hash) return broken(rows, at, "its contents do not match its hash (the row was altered)");
      prevHash = row.hash;
      expectedSeq += 1n;
      rows += 1;
    }
  }
  return { ok: true, rows, headHash: prevHash };
}

function broken(rows: number, brokenAt: string, reason: string): AuditChainReport {
  return { ok: false, rows, brokenAt, reason };
}
