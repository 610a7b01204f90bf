import { readFileSync } from "node:fs";
import path from "node:path";
import { db } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import { logger } from "@/lib/core/logger";
import { canonicalJson } from "@/lib/core/canonical-json";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { chainedFieldsJson, recordAuditEvent } from "@/lib/audit/record-audit-event";
import { canonicalContent } from "@/lib/change-requests/content-hash";
import { contentOf, loadItems } from "@/lib/change-requests/change-request-items";
import { policyFilePath } from "@/lib/rego/policy-module";
import { copyDecisionRows } from "@/lib/decisions/copy-decision-rows";
import { queryForPath } from "@/lib/decisions/replay-decision";
import { PackWriter } from "@/lib/evidence/pack-writer";
import type { TEvidencePackQuery } from "@/lib/evidence/schemas";

const PACK_DIR = path.join(process.cwd(), "lib", "evidence", "pack");
const DECISIONS_PER_PART = 5_000;
const AUDIT_PER_PART = 2_000;
const ROOT = "evidence";

export type EvidencePackExport = { stream: ReadableStream<Uint8Array>; fileName: string };

type Scope = TEvidencePackQuery & { to: Date };
type ReplayCandidate = { id: string; part: string; path: string; bundles: Array<[string, string]> };

/**
 * Streams an evidence pack for a scope: the signed revisions in force during it with their
 * manifests and keys, their change requests with approvals and exact hashed content, the test
 * runs of the versions they shipped, the audit-trail segment from the start of the range to this
 * export's own event with its anchors, the matching decisions, and verify.sh, which checks all
 * of it offline with opa. Recorded in the audit trail before the first byte.
 */
export async function exportEvidencePack(options: {
  actor: Actor;
  query: TEvidencePackQuery;
  requestId?: string;
  now?: Date;
}): Promise<EvidencePackExport> {
  requirePermission(options.actor, "evidence:export");
  const scope: Scope = { ...options.query, to: options.query.to ?? options.now ?? new Date() };
  const bundles = await db.bundle.findMany({
    where: scope.bundles.length ? { name: { in: scope.bundles } } : {},
    select: { id: true, name: true },
    orderBy: { name: "asc" },
  });
  const unknown = scope.bundles.filter((name) => !bundles.some((b) => b.name === name));
  if (unknown.length > 0) {
    throw new AppError("validation_failed", `No such bundle: ${unknown.join(", ")}`, {
      fieldErrors: [{ path: "query.bundles", message: `no such bundle: ${unknown.join(", ")}` }],
    });
  }
  const exportEvent = await db.$transaction(async (tx) => {
    await recordAuditEvent(tx, {
      actor: options.actor,
      action: "evidence.export",
      target: { type: "evidence_pack" },
      after: { scope: describeScope(scope) },
      requestId: options.requestId,
    });
    return tx.auditEvent.findFirstOrThrow({ orderBy: { seq: "desc" }, select: { seq: true, hash: true } });
  });
  const writer = new PackWriter(ROOT);
  void writePack(writer, { scope, bundleIds: bundles.map((b) => b.id), exportEvent, actor: options.actor }).catch(
    (error: Error) => {
      logger.error({ err: error, requestId: options.requestId }, "evidence pack failed mid-stream");
      writer.fail(error);
    },
  );
  const stamp = `${scope.from.toISOString().slice(0, 16)}_${scope.to.toISOString().slice(0, 16)}`.replaceAll(":", "");
  return { stream: writer.stream, fileName: `evidence_${stamp}.tar.gz` };
}

async function writePack(
  w: PackWriter,
  ctx: { scope: Scope; bundleIds: string[]; exportEvent: { seq: bigint; hash: string }; actor: Actor },
): Promise<void> {
  const { scope } = ctx;
  await w.add("verify.sh", readFileSync(path.join(PACK_DIR, "verify.sh")), 0o755);
  await w.add("verify.rego", readFileSync(path.join(PACK_DIR, "verify.rego")));
  await w.add("README.txt", readFileSync(path.join(PACK_DIR, "README.txt")));
  const decisions = await writeDecisions(w, scope);
  const revisionIds = await revisionsInScope(ctx.bundleIds, scope, decisions.replay);
  const revisions = await writeRevisions(w, revisionIds);
  const changeRequests = await writeChangeRequests(w, revisions.changeRequestIds);
  const testRuns = await writeTestRuns(w, revisions.versions, scope.to);
  const audit = await writeAuditSegment(w, scope.from, ctx.exportEvent);
  const replayed = await writeReplay(w, decisions.replay, revisions.tarballs);
  await w.addJson("data/index.json", {
    index: {
      format: "verdict-evidence-pack/1",
      generatedAt: new Date().toISOString(),
      generatedBy: ctx.actor.email,
      scope: describeScope(scope),
      exportAuditEvent: Number(ctx.exportEvent.seq),
      counts: {
        decisions: decisions.count,
        revisions: revisionIds.length,
        changeRequests,
        testRuns,
        auditEvents: audit,
        replayed,
      },
    },
  });
  await w.finish();
}

function describeScope(scope: Scope): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(scope)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]),
  );
}

// ── decisions ──

// Each row: the decision as JSON text and, while replay
// candidates are still wanted, the path and bundles of a decision that could be replayed.
const REPLAYABLE = "d.path <> '' AND d.path NOT LIKE 'system/%' AND NOT d.unpublished";
const REPLAY_COLUMNS = `CASE WHEN ${REPLAYABLE} THEN d.path END, CASE WHEN ${REPLAYABLE} THEN d.bundles::text END, d.decision_id`;
const PART_OPEN = Buffer.from('{"decisions":[\n');
const PART_SEPARATOR = Buffer.from(",\n");
const PART_CLOSE = Buffer.from("\n]}\n");

/**
 * The decisions in parts of DECISIONS_PER_PART, newest first. Lines arrive as JSON text from
 * PostgreSQL and are joined into a part as bytes; at most one part (plus one received chunk) is
 * held, and the next chunk is read only after the writer has taken the previous part.
 */
async function writeDecisions(w: PackWriter, scope: Scope): Promise<{ count: number; replay: ReplayCandidate[] }> {
  const limit = scope.decisions === "all" ? Number.POSITIVE_INFINITY : scope.decisions;
  const filter = {
    from: scope.from,
    to: scope.to,
    outcome: scope.outcome,
    path: scope.path,
    caller: scope.caller,
    agent: scope.agent,
    match: scope.match,
    revision: undefined,
    decisionId: undefined,
    unpublished: undefined,
  };
  const replay: ReplayCandidate[] = [];
  let part: Buffer[] = [];
  let partBytes = 0;
  let inPart = 0;
  let parts = 0;
  const flush = async () => {
    if (inPart === 0) return;
    part.push(PART_CLOSE);
    const bytes = Buffer.concat(part, partBytes + PART_CLOSE.length);
    part = [];
    partBytes = 0;
    inPart = 0;
    await w.add(partName(parts), bytes);
    parts += 1;
  };
  const count = await copyDecisionRows(filter, {
    limit,
    columns: () => (replay.length < scope.replay ? REPLAY_COLUMNS : ""),
    onRows: async (rows) => {
      for (const row of rows) {
        const line = row[0]!;
        const lead = inPart === 0 ? PART_OPEN : PART_SEPARATOR;
        part.push(lead, line);
        partBytes += lead.length + line.length;
        inPart += 1;
        if (replay.length < scope.replay && row[1] && row[2]) {
          const bundles = Object.entries(
            JSON.parse(row[2].toString("utf8")) as Record<string, { revision?: string }>,
          ).flatMap(([name, b]) => (b?.revision ? [[name, b.revision] as [string, string]] : []));
          if (bundles.length) {
            replay.push({
              id: row[3]!.toString("utf8"),
              part: partName(parts),
              path: row[1].toString("utf8"),
              bundles,
            });
          }
        }
        if (inPart >= DECISIONS_PER_PART) await flush();
      }
    },
  });
  await flush();
  return { count, replay };
}

const partName = (n: number) => `decisions/part-${String(n + 1).padStart(5, "0")}.json`;

// ── revisions, keys, change requests, test runs ──

/** Each bundle's revision current at the start of the range, those published during it, and those that decided a replayed decision. */
async function revisionsInScope(bundleIds: string[], scope: Scope, replay: ReplayCandidate[]): Promise<string[]> {
  if (bundleIds.length === 0 && replay.length === 0) return [];
  const inRange = await db.$queryRaw<Array<{ id: string }>>`
    SELECT id FROM bundle_revisions WHERE bundle_id = ANY(${bundleIds}::uuid[]) AND published_at > ${scope.from} AND published_at <= ${scope.to}
    UNION
    SELECT DISTINCT ON (bundle_id) id FROM bundle_revisions WHERE bundle_id = ANY(${bundleIds}::uuid[]) AND published_at <= ${scope.from}`;
  const refs = [...new Map(replay.flatMap((r) => r.bundles.map((ref) => [ref.join("/"), ref] as const))).values()];
  const referenced = refs.length
    ? await db.$queryRaw<Array<{ id: string }>>`
        SELECT r.id FROM bundle_revisions r JOIN bundles b ON b.id = r.bundle_id
         WHERE (b.name, r.revision) IN (SELECT * FROM unnest(${refs.map((r) => r[0])}::text[], ${refs.map((r) => r[1])}::text[]))`
    : [];
  return [...new Set([...inRange, ...referenced].map((r) => r.id))];
}

type WrittenRevisions = {
  changeRequestIds: string[];
  versions: Array<{ id: string; policyId: string; sha256: string; testsSha256: string }>;
  /** "bundle/revision" → the tarball's path in the pack. */
  tarballs: Map<string, string>;
};

async function writeRevisions(w: PackWriter, ids: string[]): Promise<WrittenRevisions> {
  const out: WrittenRevisions = { changeRequestIds: [], versions: [], tarballs: new Map() };
  const keys = new Map<string, { kid: string; algorithm: string; publicKeyPem: string; fingerprint: string }>();
  const tsv: string[] = [];
  for (const id of ids) {
    const r = await db.bundleRevision.findUniqueOrThrow({
      where: { id },
      include: {
        bundle: { select: { name: true } },
        publishedBy: { select: { email: true } },
        approvedBy: { select: { email: true } },
        signingKey: { select: { kid: true, algorithm: true, publicKeyPem: true, fingerprint: true } },
        rollbackOf: { select: { revision: true } },
        changeRequest: { select: { id: true, number: true } },
        policyVersions: { include: { policyVersion: { include: { policy: { select: { packagePath: true } } } } } },
      },
    });
    const key = `${r.bundle.name}/${r.revision}`;
    const tarball = `bundles/${r.bundle.name}/${r.revision}.tar.gz`;
    await w.add(tarball, Buffer.from(r.bytes));
    out.tarballs.set(key, tarball);
    keys.set(r.signingKey.kid, r.signingKey);
    tsv.push([key, tarball, r.signingKey.kid, r.signingKey.algorithm, `keys/${r.signingKey.kid}.pem`].join("\t"));
    if (r.changeRequest) out.changeRequestIds.push(r.changeRequest.id);
    out.versions.push(...r.policyVersions.map((p) => p.policyVersion));
    await w.addJson(`data/revisions/${r.bundle.name}-${r.revision}.json`, {
      [key]: {
        bundle: r.bundle.name,
        number: r.number,
        revision: r.revision,
        sha256: r.sha256,
        size: r.size,
        published_at: r.publishedAt.toISOString(),
        published_by: r.publishedBy.email,
        approved_by: r.approvedBy?.email ?? null,
        signing_key: r.signingKey.kid,
        change_request: r.changeRequest ? String(r.changeRequest.number) : null,
        rollback_of: r.rollbackOf?.revision ?? null,
        reason: r.reason,
        test_override: r.testOverride,
        manifest: r.manifest,
        files: r.files,
        policies: r.policyVersions
          .map(({ policyVersion: v }) => ({
            policy_id: v.policyId,
            package_path: v.policy.packagePath,
            module_path: policyFilePath(v.policy.packagePath),
            version: v.number,
            sha256: v.sha256,
          }))
          .sort((a, b) => a.package_path.localeCompare(b.package_path)),
      },
    });
  }
  for (const k of keys.values()) await w.add(`keys/${k.kid}.pem`, k.publicKeyPem);
  await w.addJson("data/keys.json", {
    keys: [...keys.values()].map((k) => ({ kid: k.kid, algorithm: k.algorithm, fingerprint: k.fingerprint })),
  });
  await w.add("bundles.tsv", tsv.length ? `${tsv.join("\n")}\n` : "");
  return out;
}

async function writeChangeRequests(w: PackWriter, ids: string[]): Promise<number> {
  const unique = [...new Set(ids)];
  for (const id of unique) {
    const cr = await db.changeRequest.findUniqueOrThrow({
      where: { id },
      include: {
        author: { select: { email: true } },
        reviews: { orderBy: { createdAt: "asc" }, include: { reviewer: { select: { email: true } } } },
        items: { include: { allowlistChangeSet: true } },
      },
    });
    const items = await loadItems(db, id);
    await w.addJson(`data/change_requests/${cr.number}.json`, {
      [String(cr.number)]: {
        number: cr.number,
        title: cr.title,
        description: cr.description,
        status: cr.status,
        author: cr.author.email,
        created_at: cr.createdAt.toISOString(),
        published_at: cr.publishedAt?.toISOString() ?? null,
        content_hash: cr.contentHash,
        // The exact text hashed (after "cr-content-v1\n") into content_hash.
        content: canonicalContent(items.map(contentOf)),
        approvals: cr.reviews
          .filter((r) => r.verdict === "approve")
          .map((r) => ({
            reviewer: r.reviewer.email,
            at: r.createdAt.toISOString(),
            content_hash: r.contentHash,
            voided_at: r.voidedAt?.toISOString() ?? null,
          })),
        reviews: cr.reviews.map((r) => ({
          reviewer: r.reviewer.email,
          verdict: r.verdict,
          body: r.body,
          at: r.createdAt.toISOString(),
          content_hash: r.contentHash,
        })),
        allowlist_changes: cr.items.flatMap((i) =>
          i.allowlistChangeSet
            ? [
                {
                  id: i.allowlistChangeSet.id,
                  sha256: i.allowlistChangeSet.sha256,
                  summary: i.allowlistChangeSet.summary,
                  // The exact text hashed (after "allowlist-change-v1\n") into sha256.
                  payload: canonicalJson(i.allowlistChangeSet.payload),
                },
              ]
            : [],
        ),
      },
    });
  }
  return unique.length;
}

async function writeTestRuns(w: PackWriter, versions: WrittenRevisions["versions"], to: Date): Promise<number> {
  const unique = [...new Map(versions.map((v) => [v.id, v])).values()];
  const runs = [];
  for (const v of unique) {
    const rows = await db.testRun.findMany({
      where: { policyId: v.policyId, sourceSha256: v.sha256, testsSha256: v.testsSha256, createdAt: { lte: to } },
      orderBy: { createdAt: "asc" },
      include: { createdBy: { select: { email: true } }, policy: { select: { packagePath: true } } },
    });
    runs.push(
      ...rows.map((r) => ({
        id: r.id,
        package_path: r.policy.packagePath,
        version: r.versionNumber,
        inline: r.inline,
        source_sha256: r.sourceSha256,
        tests_sha256: r.testsSha256,
        status: r.status,
        total: r.total,
        passed: r.passed,
        failed: r.failed,
        errored: r.errored,
        skipped: r.skipped,
        opa_version: r.opaVersion,
        at: r.createdAt.toISOString(),
        by: r.createdBy.email,
        results: r.results,
      })),
    );
  }
  await w.addJson("data/test_runs.json", { test_runs: runs });
  return runs.length;
}

// ── the audit trail ──

/** From the first event at or after `from` to the export's own event, in parts, with both ends as anchors. */
async function writeAuditSegment(w: PackWriter, from: Date, end: { seq: bigint; hash: string }): Promise<number> {
  const first = await db.auditEvent.findFirst({
    where: { occurredAt: { gte: from } },
    orderBy: { seq: "asc" },
    select: { seq: true, prevHash: true },
  });
  const start = first && first.seq <= end.seq ? first : { seq: end.seq, prevHash: "" };
  let next = start.seq;
  let part = 0;
  let prevHash = start.prevHash;
  while (next <= end.seq) {
    const rows = await db.auditEvent.findMany({
      where: { seq: { gte: next, lte: end.seq } },
      orderBy: { seq: "asc" },
      take: AUDIT_PER_PART,
    });
    if (rows.length === 0) break;
    if (next === start.seq) prevHash = rows[0]!.prevHash;
    part += 1;
    const name = String(part).padStart(5, "0");
    await w.addJson(`data/audit_events/${name}.json`, {
      [`p${name}`]: rows.map((r) => ({
        seq: Number(r.seq),
        prev_hash: r.prevHash,
        hash: r.hash,
        // The exact text hashed (after the previous hash and "\n") into hash.
        payload: canonicalJson(chainedFieldsJson({ ...r, before: r.before ?? null, after: r.after ?? null })),
      })),
    });
    next = rows[rows.length - 1]!.seq + 1n;
  }
  await w.addJson("data/audit_anchors.json", {
    audit_anchors: {
      start: { seq: Number(start.seq), prev_hash: prevHash },
      end: { seq: Number(end.seq), hash: end.hash },
    },
  });
  return Number(end.seq - start.seq + 1n);
}

// ── replay ──

/** Groups the sampled decisions by file, bundles and query; verify.sh runs one `opa eval` per group. */
async function writeReplay(w: PackWriter, replay: ReplayCandidate[], tarballs: Map<string, string>): Promise<number> {
  const groups = new Map<string, { part: string; bundles: string[]; query: string; ids: string[] }>();
  for (const c of replay) {
    const bundles = c.bundles.map(([b, rev]) => tarballs.get(`${b}/${rev}`)).filter((t): t is string => !!t);
    if (bundles.length !== c.bundles.length) continue;
    const query = queryForPath(c.path);
    const key = [c.part, query, ...bundles.sort()].join("\t");
    const group = groups.get(key) ?? groups.set(key, { part: c.part, bundles, query, ids: [] }).get(key)!;
    group.ids.push(c.id);
  }
  const tsv: string[] = [];
  let n = 0;
  let count = 0;
  for (const g of groups.values()) {
    n += 1;
    count += g.ids.length;
    await w.addJson(`replay/${n}.json`, { evidence_replay: { ids: g.ids } });
    await w.add(`replay/${n}.query`, replayQuery(g.query));
    tsv.push([n, g.part, g.bundles.join(" ")].join("\t"));
  }
  await w.add("replay/groups.tsv", tsv.length ? `${tsv.join("\n")}\n` : "");
  return count;
}

/**
 * Every sampled decision of the input file whose re-evaluated result differs from the recorded
 * one. The recorded input is copied into a value first: `with input as d.input` would read it
 * through the replaced input.
 */
function replayQuery(query: string): string {
  return `[{"decision": d.decisionId, "recorded": recorded, "replayed": replayed} |
  some d in input.decisions
  d.decisionId in {i | some i in data.evidence_replay.ids}
  recorded := [r | r := d.result; r != null]
  recorded_input := json.unmarshal(json.marshal(object.get(d, "input", null)))
  replayed := [v | v := ${query} with input as recorded_input]
  recorded != replayed
]
`;
}
