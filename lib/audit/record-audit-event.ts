import { createHash } from "node:crypto";
import type { Tx } from "@/lib/core/db";
import type { AuditActor } from "@/lib/auth/actor";
import { canonicalJson, toPlainJson } from "@/lib/core/canonical-json";
import { Prisma } from "@/lib/generated/prisma/client";
import { ADVISORY_LOCKS } from "@/lib/core/advisory-locks";

export const GENESIS_HASH = "0".repeat(64);
// Serialises writers so that every row links to exactly one predecessor.
const AUDIT_CHAIN_LOCK = ADVISORY_LOCKS.auditChain;

export type AuditEventInput = {
  actor: AuditActor;
  action: string;
  target: { type: string; id?: string | null };
  before?: unknown;
  after?: unknown;
  requestId?: string;
};

export type ChainedFields = {
  seq: bigint;
  occurredAt: Date;
  actorType: string;
  actorId: string | null;
  actorLabel: string;
  action: string;
  targetType: string;
  targetId: string | null;
  before: unknown;
  after: unknown;
  requestId: string | null;
};

/** The chained fields as JSON: what the hash covers, and what the API shows of an event. */
export function chainedFieldsJson(row: ChainedFields) {
  return {
    seq: row.seq.toString(),
    occurredAt: row.occurredAt.toISOString(),
    actorType: row.actorType,
    actorId: row.actorId,
    actorLabel: row.actorLabel,
    action: row.action,
    targetType: row.targetType,
    targetId: row.targetId,
    before: row.before ?? null,
    after: row.after ?? null,
    requestId: row.requestId,
  };
}

export function hashAuditRow(prevHash: string, row: ChainedFields): string {
  const payload = canonicalJson(chainedFieldsJson(row));
  return createHash("sha256").update(prevHash).update("\n").update(payload).digest("hex");
}

/** Appends one event to the hash-chained trail. Call it inside the transaction that makes the change. */
export async function recordAuditEvent(tx: Tx, input: AuditEventInput): Promise<void> {
  await recordAuditEvents(tx, [input]);
}

/** Appends events in order, in one insert: for one action that changes many things at once (a repository import). */
export async function recordAuditEvents(tx: Tx, inputs: AuditEventInput[]): Promise<void> {
  if (inputs.length === 0) return;
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`;
  const last = await tx.auditEvent.findFirst({ orderBy: { seq: "desc" }, select: { seq: true, hash: true } });
  let seq = last?.seq ?? 0n;
  let prevHash = last?.hash ?? GENESIS_HASH;
  const occurredAt = new Date();
  const data = inputs.map((input) => {
    const row = chainedRow(input, (seq += 1n), occurredAt);
    const hash = hashAuditRow(prevHash, row);
    const created = { ...row, before: jsonOrDbNull(row.before), after: jsonOrDbNull(row.after), prevHash, hash };
    prevHash = hash;
    return created;
  });
  if (data.length === 1) await tx.auditEvent.create({ data: data[0]! });
  else await tx.auditEvent.createMany({ data });
}

function chainedRow(input: AuditEventInput, seq: bigint, occurredAt: Date): ChainedFields {
  const actor = input.actor;
  return {
    seq,
    occurredAt,
    actorType:
      actor.type === "user" ? ({ token: "api_token", git: "git", session: "user" } as const)[actor.via] : "system",
    actorId: actor.type === "user" ? actor.userId : null,
    actorLabel: actor.type === "user" ? actor.email : actor.label,
    action: input.action,
    targetType: input.target.type,
    targetId: input.target.id ?? null,
    before: toPlainJson(input.before) ?? null,
    after: toPlainJson(input.after) ?? null,
    requestId: input.requestId ?? null,
  };
}

function jsonOrDbNull(value: unknown): Prisma.InputJsonValue | typeof Prisma.DbNull {
  return value === null || value === undefined ? Prisma.DbNull : (value as Prisma.InputJsonValue);
}
