import type { Tx } from "@/lib/core/db";
import { notFound } from "@/lib/core/errors";

/** Reads and row-locks a change request by number for the rest of the transaction. */
export async function lockChangeRequest(tx: Tx, number: number) {
  const rows = await tx.$queryRaw<
    Array<{ id: string }>
  >`SELECT id FROM change_requests WHERE number = ${number} FOR UPDATE`;
  if (!rows[0]) throw notFound("Change request");
  return tx.changeRequest.findUniqueOrThrow({ where: { id: rows[0].id } });
}
