import { execFileSync, spawnSync } from "node:child_process";
import {
  cpSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "@/lib/core/db";
import type { AppError } from "@/lib/core/errors";
import { getStateAt, loadRevisions, type StateAt } from "@/lib/evidence/state-at";
import { diffStates } from "@/lib/evidence/diff-states";
import { exportEvidencePack } from "@/lib/evidence/export-evidence-pack";
import { ZEvidencePackQuery } from "@/lib/evidence/schemas";
import { changeAllowlists } from "@/lib/allowlists/change-allowlists";
import { entry, grant } from "@/test/factories/allowlists";
import { evidenceScenario, type EvidenceScenario } from "@/test/factories/evidence-scenario";

let s: EvidenceScenario;

beforeAll(async () => {
  s = await evidenceScenario();
}, 240_000);

afterAll(async () => {
  await s?.stop();
});

const ms = (d: Date, delta = 0) => new Date(d.getTime() + delta);
const state = (at: Date) => getStateAt({ actor: s.actors.auditor, at });
const bundle = (st: StateAt, name: string) => st.bundles.find((b) => b.name === name)!;

describe("the state as of a moment", () => {
  it("names the revision published at or before the moment, exactly at the boundaries", async () => {
    const [r1, r2, r3] = s.revisions.policy;
    expect(s.revisions.policy.map((r) => r.revision)).toEqual(["r1", "r2", "r3"]);
    expect(bundle(await state(ms(r1!.publishedAt, -1)), s.bundles.policy).revision).toBeNull();
    expect(bundle(await state(r1!.publishedAt), s.bundles.policy).revision?.revision).toBe("r1");
    expect(bundle(await state(ms(r2!.publishedAt, -1)), s.bundles.policy).revision?.revision).toBe("r1");
    expect(bundle(await state(r2!.publishedAt), s.bundles.policy).revision?.revision).toBe("r2");
    expect(bundle(await state(ms(r3!.publishedAt, -1)), s.bundles.policy).revision?.revision).toBe("r2");
    expect(bundle(await state(new Date()), s.bundles.policy).revision?.revision).toBe("r3");
  });

  it("gives the policy versions in force with their change request, approvals, tests and publisher", async () => {
    const r1 = bundle(await state(s.revisions.policy[1]!.publishedAt), s.bundles.policy).revision!;
    expect(r1.publishedBy).toBe(s.actors.admin.email);
    expect(r1.policies).toEqual([
      expect.objectContaining({ packagePath: s.policy.packagePath, version: 2, testRuns: [] }),
    ]);
    expect(r1.changeRequest).toMatchObject({ title: "Allow alice, bob", author: s.actors.author.email });
    expect(r1.changeRequest!.approvals).toEqual([
      expect.objectContaining({ reviewer: s.actors.reviewer.email, matchesContent: true }),
    ]);
    const first = bundle(await state(s.revisions.policy[0]!.publishedAt), s.bundles.policy).revision!;
    expect(first.policies[0]).toMatchObject({ version: 1, testRuns: [] });
    // Version 1 was tested after r1 shipped: the run shows from the moment it was made, not before.
    const later = bundle(await state(s.revisions.policy[1]!.publishedAt), s.bundles.policy);
    expect(later.revision!.policies[0]!.version).toBe(2);
    const { rows } = await pool().query<{ created_at: Date }>(`SELECT created_at FROM test_runs WHERE policy_id = $1`, [
      s.policy.policy.id,
    ]);
    const ranAt = rows[0]!.created_at;
    const before = await loadV1Runs(ms(ranAt, -1));
    const after = await loadV1Runs(ranAt);
    expect(before).toEqual([]);
    expect(after).toEqual([expect.objectContaining({ by: s.actors.author.email })]);
  });

  it("gives the grants the allowlist revision shipped, with owner, change request and approver", async () => {
    const [a1, a2, a3] = s.revisions.authz;
    expect((await state(a1!.publishedAt)).grants).toMatchObject({ bundle: s.bundles.authz, revision: "r1", items: [] });
    expect((await state(ms(a2!.publishedAt, -1))).grants!.items).toEqual([]);
    const atA2 = (await state(a2!.publishedAt)).grants!;
    expect(atA2.revision).toBe("r2");
    expect(atA2.items).toEqual([
      expect.objectContaining({
        service: s.service,
        method: "GET",
        path: "/refunds/{id}",
        caller: s.callers.orders,
        owner: "team-orders",
        recorded: true,
        createdBy: s.actors.author.email,
        approvedBy: s.actors.reviewer.email,
        changeRequest: expect.objectContaining({
          number: s.changeRequests.grantOrders,
          approvals: [expect.objectContaining({ reviewer: s.actors.reviewer.email, matchesContent: true })],
        }),
      }),
    ]);
    const atA3 = (await state(a3!.publishedAt)).grants!;
    expect(atA3.items.map((g) => [g.caller, g.path, g.changeRequest?.number])).toEqual([
      [s.callers.reports, "/reports/*", s.changeRequests.swap],
    ]);
  });

  it("says which revision the agent reported running, switching exactly at its first report of the next", async () => {
    const { rows } = await pool().query<{ active_revision: string; first_reported_at: Date }>(
      `SELECT active_revision, first_reported_at FROM agent_revision_reports
        WHERE agent_identity = 'evidence-agent' AND bundle_name = $1 ORDER BY id`,
      [s.bundles.policy],
    );
    expect(rows.map((r) => r.active_revision)).toEqual(["r1", "r2", "r3"]);
    const switched = rows[1]!.first_reported_at;
    const agentAt = async (at: Date) => bundle(await state(at), s.bundles.policy).agents;
    expect(await agentAt(ms(rows[0]!.first_reported_at, -1))).toEqual([]);
    expect(await agentAt(ms(switched, -1))).toEqual([
      expect.objectContaining({ identity: "evidence-agent", revision: "r1", nextReportAt: switched.toISOString() }),
    ]);
    expect(await agentAt(switched)).toEqual([
      expect.objectContaining({ identity: "evidence-agent", revision: "r2", firstReportedAt: switched.toISOString() }),
    ]);
  });

  it("diffs two moments: revisions, policy versions, agents and grants", async () => {
    const from = s.revisions.authz[1]!.publishedAt;
    const to = new Date();
    const diff = await diffStates({ actor: s.actors.auditor, from, to });
    expect(diff.revisions).toEqual(
      expect.arrayContaining([
        { bundle: s.bundles.authz, from: "r2", to: "r3" },
        { bundle: s.bundles.policy, from: "r1", to: "r3" },
      ]),
    );
    expect(diff.policies).toEqual([{ bundle: s.bundles.policy, packagePath: s.policy.packagePath, from: 1, to: 3 }]);
    expect(diff.grants.added.map((g) => g.to!.caller)).toEqual([s.callers.reports]);
    expect(diff.grants.removed.map((g) => g.from!.caller)).toEqual([s.callers.orders]);
    expect(diff.agents).toEqual(
      expect.arrayContaining([{ bundle: s.bundles.policy, identity: "evidence-agent", from: "r1", to: "r3" }]),
    );
  });

  it("keeps every version of a grant, however it changed, and refuses to rewrite that history", async () => {
    const caller = "spiffe://prod.example/ns/direct/sa/job";
    await grant(s.actors.author, [entry(s.service, "GET", "/reports/*", caller, { owner: "team-a" })]);
    await grant(s.actors.author, [entry(s.service, "GET", "/reports/*", caller, { owner: "team-b" })]);
    await changeAllowlists({
      actor: s.actors.author,
      input: {
        upserts: [],
        removals: [{ row: 1, value: { service: s.service, method: "GET", path: "/reports/*", caller } }],
        mode: "merge",
        dryRun: false,
        source: "test",
      },
    });
    const { rows } = await pool().query<{ id: string; operation: string; owner: string; change_set_id: string | null }>(
      `SELECT id, operation, owner, change_set_id FROM allowlist_entry_history WHERE caller_id = $1 ORDER BY id`,
      [caller],
    );
    expect(rows.map((r) => [r.operation, r.owner, r.change_set_id])).toEqual([
      ["insert", "team-a", null],
      ["update", "team-b", null],
      ["delete", "team-b", null],
    ]);
    const published = await pool().query<{ change_set_id: string | null }>(
      `SELECT change_set_id FROM allowlist_entry_history WHERE caller_id = $1`,
      [s.callers.orders],
    );
    expect(published.rows.map((r) => r.change_set_id)).toEqual([expect.any(String), expect.any(String)]);
    await expect(
      pool().query(`UPDATE allowlist_entry_history SET owner = 'x' WHERE id = $1`, [rows[0]!.id]),
    ).rejects.toThrow();
    await expect(pool().query(`DELETE FROM allowlist_entry_history WHERE id = $1`, [rows[0]!.id])).rejects.toThrow();
  });

  it("is for auditors and admins only", async () => {
    const error = (await getStateAt({ actor: s.actors.author, at: new Date() }).catch((e: unknown) => e)) as AppError;
    expect(error.status).toBe(403);
    await expect(getStateAt({ actor: s.actors.admin, at: new Date() })).resolves.toMatchObject({
      history: { recordedSince: expect.any(String) },
    });
  });
});

async function loadV1Runs(at: Date) {
  const { rows } = await pool().query<{ id: string }>(
    `SELECT r.id FROM bundle_revisions r JOIN bundles b ON b.id = r.bundle_id WHERE b.name = $1 AND r.number = 1`,
    [s.bundles.policy],
  );
  const loaded = await loadRevisions([rows[0]!.id], at);
  return loaded.get(rows[0]!.id)!.view.policies[0]!.testRuns;
}

describe("an evidence pack", () => {
  let dir: string;
  let packFile: string;

  beforeAll(async () => {
    const work = mkdtempSync(path.join(os.tmpdir(), "verdict-pack-"));
    packFile = path.join(work, "pack.tar.gz");
    const query = ZEvidencePackQuery.parse({
      from: ms(s.revisions.policy[0]!.publishedAt, -60_000).toISOString(),
      bundles: `${s.bundles.policy},${s.bundles.authz}`,
    });
    const { stream, fileName } = await exportEvidencePack({ actor: s.actors.auditor, query });
    expect(fileName).toMatch(/^evidence_.*\.tar\.gz$/);
    await pipeline(Readable.fromWeb(stream as never), createWriteStream(packFile));
    dir = path.join(work, "clean");
    mkdirSync(dir);
    execFileSync("tar", ["-xzf", packFile, "-C", dir]);
    dir = path.join(dir, "evidence");
  });

  afterAll(() => {
    if (packFile) rmSync(path.dirname(packFile), { recursive: true, force: true });
  });

  it("holds the revisions, keys, change requests, test runs, audit segment and decisions, and verifies on a clean folder", () => {
    const index = JSON.parse(readFileSync(path.join(dir, "data/index.json"), "utf8")).index;
    expect(index.counts).toMatchObject({ decisions: expect.any(Number), revisions: 6, testRuns: 1 });
    expect(index.counts.decisions).toBeGreaterThanOrEqual(6);
    expect(index.counts.replayed).toBe(6);
    expect(existsSync(path.join(dir, `bundles/${s.bundles.policy}/r2.tar.gz`))).toBe(true);
    const result = verify(dir);
    expect(result.output).toContain("VERIFIED: every check passed");
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain(`ok   signature: bundles/${s.bundles.authz}/r3.tar.gz`);
    expect(result.output).toMatch(/ok {3}audit trail: events \d+ to \d+ chain/);
    expect(result.output).toContain(
      `ok   change request #${s.changeRequests.swap}: content hash and 1 approval(s) match`,
    );
    expect(result.output).toMatch(/ok {3}replay: group \d+ decides as recorded/);
  });

  it("is recorded in the audit trail, and the segment ends at that event", async () => {
    const { rows } = await pool().query<{ seq: string; hash: string; actor_label: string }>(
      `SELECT seq, hash, actor_label FROM audit_events WHERE action = 'evidence.export' ORDER BY seq DESC LIMIT 1`,
    );
    expect(rows[0]!.actor_label).toBe(s.actors.auditor.email);
    const anchors = JSON.parse(readFileSync(path.join(dir, "data/audit_anchors.json"), "utf8")).audit_anchors;
    expect(anchors.end).toEqual({ seq: Number(rows[0]!.seq), hash: rows[0]!.hash });
  });

  it("fails, naming the file, when any one byte of any file is flipped", () => {
    const files = execFileSync("find", [".", "-type", "f"], { cwd: dir, encoding: "utf8" })
      .split("\n")
      .filter(Boolean)
      .map((f) => f.slice(2));
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) {
      const copy = copyPack(dir);
      flipByte(path.join(copy, file));
      const result = verify(copy);
      expect(result.code, `${file}\n${result.output}`).not.toBe(0);
      if (file !== "verify.sh" && file !== "SHA256SUMS") expect(result.output, file).toContain(`FAIL files: ${file}`);
    }
  }, 300_000);

  it("says where, even when SHA256SUMS is rewritten to match: a bundle byte, a decision, an audit event, approved content", () => {
    const bundleCopy = copyPack(dir);
    flipByte(path.join(bundleCopy, `bundles/${s.bundles.policy}/r2.tar.gz`));
    rewriteSums(bundleCopy);
    expect(verify(bundleCopy).output).toContain(`FAIL signature: bundles/${s.bundles.policy}/r2.tar.gz`);

    const decisionCopy = copyPack(dir);
    const part = path.join(decisionCopy, "decisions/part-00001.json");
    const doc = JSON.parse(readFileSync(part, "utf8"));
    const bob = doc.decisions.find(
      (d: { input?: { user?: string }; result: unknown }) => d.input?.user === "bob" && d.result === true,
    );
    bob.result = false;
    writeFileSync(part, JSON.stringify(doc));
    rewriteSums(decisionCopy);
    const replayed = verify(decisionCopy);
    expect(replayed.code).toBe(1);
    expect(replayed.output).toMatch(
      new RegExp(`FAIL replay: group \\d+ differs from what was recorded: .*${bob.decisionId}`),
    );

    const auditCopy = copyPack(dir);
    const auditFile = path.join(auditCopy, "data/audit_events/00001.json");
    const audit = JSON.parse(readFileSync(auditFile, "utf8"));
    const events = audit.p00001 as Array<{ seq: number; payload: string }>;
    const altered = events[2]!;
    altered.payload = altered.payload.replace(/"actorLabel":"[^"]*"/, '"actorLabel":"someone-else@example.test"');
    const removed = events.splice(5, 1)[0]!;
    writeFileSync(auditFile, JSON.stringify(audit));
    rewriteSums(auditCopy);
    const chain = verify(auditCopy);
    expect(chain.output).toContain(`FAIL audit event #${altered.seq}: its content does not match its hash`);
    expect(chain.output).toContain(`FAIL audit event #${removed.seq}: it is missing from the segment`);

    const crCopy = copyPack(dir);
    const crFile = path.join(crCopy, `data/change_requests/${s.changeRequests.grantOrders}.json`);
    const cr = JSON.parse(readFileSync(crFile, "utf8"));
    const entry = cr[String(s.changeRequests.grantOrders)];
    entry.allowlist_changes[0].payload = entry.allowlist_changes[0].payload.replace("team-orders", "team-evil");
    writeFileSync(crFile, JSON.stringify(cr));
    rewriteSums(crCopy);
    expect(verify(crCopy).output).toContain(
      `FAIL change request #${s.changeRequests.grantOrders}: allowlist change ${entry.allowlist_changes[0].id} does not hash to`,
    );
  }, 120_000);

  it("is for auditors only", async () => {
    const query = ZEvidencePackQuery.parse({ from: new Date(0).toISOString() });
    for (const actor of [s.actors.admin, s.actors.author])
      expect(((await exportEvidencePack({ actor, query }).catch((e: unknown) => e)) as AppError).status).toBe(403);
    const unknown = ZEvidencePackQuery.parse({ from: new Date(0).toISOString(), bundles: "no-such-bundle" });
    expect(
      ((await exportEvidencePack({ actor: s.actors.auditor, query: unknown }).catch((e: unknown) => e)) as AppError)
        .status,
    ).toBe(422);
  });
});

function verify(dir: string): { code: number; output: string } {
  const run = spawnSync("sh", [path.join(dir, "verify.sh")], {
    env: { ...process.env, OPA: process.env.OPA_BIN ?? "opa" },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: run.status ?? -1, output: `${run.stdout}${run.stderr}` };
}

function copyPack(dir: string): string {
  const copy = mkdtempSync(path.join(path.dirname(path.dirname(dir)), "copy-"));
  cpSync(dir, copy, { recursive: true });
  return copy;
}

function flipByte(file: string): void {
  const bytes = readFileSync(file);
  const at = Math.floor(bytes.length / 2);
  bytes[at] = bytes[at]! ^ 0x01;
  writeFileSync(file, bytes);
}

/** What a forger would do after changing a file: make SHA256SUMS agree again. */
function rewriteSums(dir: string): void {
  execFileSync(
    "sh",
    ["-c", "find . -type f ! -name SHA256SUMS | sed 's|^./||' | sort | xargs sha256sum > SHA256SUMS"],
    {
      cwd: dir,
    },
  );
}
