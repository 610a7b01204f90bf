import { randomBytes } from "node:crypto";
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/core/db";
import type { Actor } from "@/lib/auth/actor";
import { createPolicy } from "@/lib/policies/create-policy";
import { createGitLink } from "@/lib/git-sync/create-git-link";
import { syncGitLink } from "@/lib/git-sync/sync-git-link";
import { skipGitCommit } from "@/lib/git-sync/skip-git-commit";
import { AppError } from "@/lib/core/errors";
import { GIT_LIMITS, mirrorDir, removeMirror } from "@/lib/git-sync/git-mirror";
import { createTestUser } from "@/test/factories/actors";
import { allowPolicy, uniqueRoot } from "@/test/factories/bundles";
import { commitAndPush, git, startGitHttpServer, type GitHttpServer } from "@/test/support/git-http-server";

// Remotes that must be refused whole: no policy version, no change request, the link at the
// commit it was at. Served by the real `git http-backend` on loopback.

let admin: Actor;
let author: Actor;
let root: string;
let server: GitHttpServer;
const linkIds: string[] = [];

beforeAll(async () => {
  admin = await createTestUser(["admin"]);
  author = await createTestUser(["author"]);
  root = mkdtempSync(path.join(os.tmpdir(), "verdict-git-hostile-"));
  server = await startGitHttpServer(root);
});

afterAll(async () => {
  for (const id of linkIds) await removeMirror(id);
  await server.stop();
  rmSync(root, { recursive: true, force: true });
});

/** A repository with one policy in it (and in Verdict), linked and synced once. */
async function linked(name: string) {
  const bare = path.join(root, `${name}.git`);
  git(root, ["init", "--bare", "--quiet", "-b", "main", bare]);
  const work = path.join(root, `${name}-work`);
  git(root, ["clone", "--quiet", bare, work]);
  git(work, ["checkout", "--quiet", "-b", "main"]);
  const pkgRoot = uniqueRoot();
  const packagePath = `${pkgRoot}.authz`;
  const source = allowPolicy(packagePath, ["alice"]);
  const policy = await createPolicy({
    actor: author,
    input: { name: packagePath, packagePath, owner: "team", description: "", source, message: "" },
  });
  const file = `policies/${pkgRoot}/authz/policy.rego`;
  const base = commitAndPush(work, { [file]: source }, "start");
  const { link } = await createGitLink({
    actor: admin,
    input: {
      name: `hostile-${name}`,
      remoteUrl: server.url(`${name}.git`),
      branch: "main",
      path: "policies",
      packageRoot: pkgRoot,
      auth: { kind: "none" },
      pollIntervalSeconds: null,
      pushEnabled: false,
    },
  });
  linkIds.push(link.id);
  expect(await syncGitLink(link.id)).toMatchObject({ state: "ok", lastFetchedSha: base, changeRequests: [] });
  return { bare, work, pkgRoot, packagePath, policy, file, base, link };
}

/** What a refused commit must not have changed. */
async function snapshot(linkId: string) {
  const link = await db.gitLink.findUniqueOrThrow({ where: { id: linkId } });
  return {
    policies: await db.policy.count(),
    versions: await db.policyVersion.count(),
    changeRequests: await db.changeRequest.count(),
    commits: await db.gitLinkCommit.count({ where: { linkId } }),
    policyAudit: await db.auditEvent.count({ where: { action: { startsWith: "policy." } } }),
    lastFetchedSha: link.lastFetchedSha,
  };
}

function mirrorBytes(linkId: string): number {
  const pack = path.join(mirrorDir(linkId), "objects");
  return readdirSync(pack, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((sum, e) => sum + statSync(path.join(e.parentPath, e.name)).size, 0);
}

async function writeRandomFile(file: string, bytes: number): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true });
  const out = createWriteStream(file);
  const chunk = 1024 * 1024;
  for (let written = 0; written < bytes; written += chunk) {
    if (!out.write(randomBytes(Math.min(chunk, bytes - written))))
      await new Promise<void>((resolve) => out.once("drain", () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

describe("a repository over the size limit", () => {
  it("is refused whole under a given limit, the fetch undone, and taken in once the limit allows it", async () => {
    const r = await linked("over-limit");
    await writeRandomFile(path.join(r.work, "assets", "blob.bin"), 512 * 1024);
    const sha = commitAndPush(
      r.work,
      { [r.file]: allowPolicy(r.packagePath, ["alice", "bob"]) },
      "Allow bob, and a blob",
    );
    const before = await snapshot(r.link.id);
    const mirrorBefore = mirrorBytes(r.link.id);
    const refused = await syncGitLink(r.link.id, { trigger: "poll", limits: { repositoryBytes: 256 * 1024 } });
    expect(refused).toMatchObject({
      state: "error",
      changeRequests: [],
      lastFetchedSha: r.base,
      error: "The repository is larger than 256 KiB packed; nothing was applied (link a smaller repository)",
    });
    expect(await snapshot(r.link.id)).toEqual(before);
    expect(await db.gitLink.findUniqueOrThrow({ where: { id: r.link.id } })).toMatchObject({
      state: "error",
      lastError: refused.error,
    });
    // The refused objects are gone from the mirror again.
    expect(mirrorBytes(r.link.id)).toBeLessThan(mirrorBefore + 64 * 1024);

    const taken = await syncGitLink(r.link.id, { trigger: "poll", limits: { repositoryBytes: 2 * 1024 * 1024 } });
    expect(taken).toMatchObject({ state: "ok", error: null, lastFetchedSha: sha });
    expect(taken.changeRequests).toHaveLength(1);
  });

  it("refuses a real 100 MB file committed in the repository under the default 64 MiB", async () => {
    expect(GIT_LIMITS.repositoryBytes).toBe(64 * 1024 * 1024);
    const r = await linked("hundred-mb");
    await writeRandomFile(path.join(r.work, "assets", "video.bin"), 100 * 1024 * 1024);
    commitAndPush(r.work, { [r.file]: allowPolicy(r.packagePath, ["alice", "carol"]) }, "Allow carol, and a video");
    rmSync(path.join(r.work, "assets"), { recursive: true, force: true });
    const before = await snapshot(r.link.id);
    const result = await syncGitLink(r.link.id);
    expect(result).toMatchObject({
      state: "error",
      changeRequests: [],
      lastFetchedSha: r.base,
      error: "The repository is larger than 64 MiB packed; nothing was applied (link a smaller repository)",
    });
    expect(await snapshot(r.link.id)).toEqual(before);
    expect(mirrorBytes(r.link.id)).toBeLessThan(1024 * 1024);
    expect(await db.policyVersion.count({ where: { policyId: r.policy.id } })).toBe(1);
  }, 180_000);
});

describe("a commit is taken in whole or not at all", () => {
  it("a module that does not compile in the middle of a multi-file commit writes nothing", async () => {
    const r = await linked("mid-commit");
    const files = {
      [r.file]: allowPolicy(r.packagePath, ["alice", "dave"]),
      [`policies/${r.pkgRoot}/billing/policy.rego`]: `package ${r.pkgRoot}.billing\n\nallow if {\n`,
      [`policies/${r.pkgRoot}/zeta/policy.rego`]: allowPolicy(`${r.pkgRoot}.zeta`, ["zed"]),
    };
    commitAndPush(r.work, files, "Three policies, one broken");
    const before = await snapshot(r.link.id);
    const result = await syncGitLink(r.link.id);
    expect(result).toMatchObject({ state: "error", changeRequests: [], lastFetchedSha: r.base });
    expect(result.error).toMatch(new RegExp(`^Commit [0-9a-f]{12}: ${r.pkgRoot}\\.billing: `));
    expect(await snapshot(r.link.id)).toEqual(before);
    expect(await db.policy.count({ where: { packagePath: { startsWith: `${r.pkgRoot}.` } } })).toBe(1);
  });

  it("a failure while writing (the change request refused by the database) rolls back the versions and policies written before it", async () => {
    const r = await linked("mid-write");
    const sha = commitAndPush(
      r.work,
      {
        [r.file]: allowPolicy(r.packagePath, ["alice", "erin"]),
        [`policies/${r.pkgRoot}/ledger/policy.rego`]: allowPolicy(`${r.pkgRoot}.ledger`, ["erin"]),
      },
      "Erin, and a new ledger policy",
    );
    const before = await snapshot(r.link.id);
    // A real failure at the last write, after the new version and the new policy: the database
    // itself refuses the change request's row (this file has a database of its own).
    await db.$executeRawUnsafe(`
      CREATE FUNCTION refuse_change_request() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'change requests are refused for this test'; END $$`);
    await db.$executeRawUnsafe(
      "CREATE TRIGGER refuse_change_request BEFORE INSERT ON change_requests FOR EACH ROW EXECUTE FUNCTION refuse_change_request()",
    );
    try {
      const result = await syncGitLink(r.link.id);
      expect(result).toMatchObject({ state: "error", changeRequests: [], lastFetchedSha: r.base });
      expect(result.error).toMatch(/change requests are refused for this test/);
      expect(await snapshot(r.link.id)).toEqual(before);
      expect(await db.policy.count({ where: { packagePath: `${r.pkgRoot}.ledger` } })).toBe(0);
      expect(await db.policyVersion.count({ where: { policyId: r.policy.id } })).toBe(1);
    } finally {
      await db.$executeRawUnsafe("DROP TRIGGER refuse_change_request ON change_requests");
      await db.$executeRawUnsafe("DROP FUNCTION refuse_change_request()");
    }

    // Nothing half-written stands in the way: the same commit is taken in, whole, on the next sync.
    const retried = await syncGitLink(r.link.id);
    expect(retried).toMatchObject({ state: "ok", error: null, lastFetchedSha: sha });
    expect(retried.changeRequests).toHaveLength(1);
    const cr = await db.changeRequest.findUniqueOrThrow({
      where: { number: retried.changeRequests[0]! },
      include: { items: { include: { policyVersion: { include: { policy: true } } } } },
    });
    expect(cr.items.map((i) => i.policyVersion?.policy.packagePath).sort()).toEqual(
      [r.packagePath, `${r.pkgRoot}.ledger`].sort(),
    );
    expect(
      await db.gitLinkCommit.findUniqueOrThrow({ where: { linkId_sha: { linkId: r.link.id, sha } } }),
    ).toMatchObject({ changeRequestId: cr.id });
  });
});

describe("skipping the commit a link is stopped at", () => {
  it("records it without a change request, in the audit trail, and the fix after it is taken in", async () => {
    const r = await linked("skip");
    const broken = commitAndPush(r.work, { [r.file]: `package ${r.packagePath}\n\nallow if {\n` }, "Broken");
    const fix = commitAndPush(r.work, { [r.file]: allowPolicy(r.packagePath, ["alice", "fay"]) }, "Fixed");
    // Stopped at the broken commit, however often it fetches: the fix behind it never arrives.
    for (let i = 0; i < 2; i++)
      expect(await syncGitLink(r.link.id)).toMatchObject({
        state: "error",
        lastFetchedSha: r.base,
        changeRequests: [],
      });

    const refusal = async (promise: Promise<unknown>) => {
      const error = await promise.then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(AppError);
      return error as AppError;
    };
    expect((await refusal(skipGitCommit({ actor: author, id: r.link.id, sha: broken }))).status).toBe(403);
    const wrong = await refusal(skipGitCommit({ actor: admin, id: r.link.id, sha: fix }));
    expect([wrong.status, wrong.message]).toEqual([
      409,
      `The link is stopped before ${broken.slice(0, 12)}, not ${fix.slice(0, 12)}`,
    ]);

    const skipped = await skipGitCommit({ actor: admin, id: r.link.id, sha: broken, requestId: "req-skip" });
    expect(skipped).toMatchObject({ state: "ok", lastError: null, lastFetchedSha: broken });
    expect(
      await db.gitLinkCommit.findUniqueOrThrow({ where: { linkId_sha: { linkId: r.link.id, sha: broken } } }),
    ).toMatchObject({ changeRequestId: null, message: "Broken" });
    const audit = await db.auditEvent.findFirstOrThrow({
      where: { action: "git_link.commit_skip", targetId: r.link.id },
    });
    expect(audit).toMatchObject({ actorId: admin.userId, requestId: "req-skip" });
    expect(audit.before).toMatchObject({ lastFetchedSha: r.base, state: "error" });
    expect(audit.after).toMatchObject({ lastFetchedSha: broken });
    expect(await db.policyVersion.count({ where: { policyId: r.policy.id } })).toBe(1);
    // Not stopped any more: nothing to skip.
    expect((await refusal(skipGitCommit({ actor: admin, id: r.link.id, sha: fix }))).status).toBe(409);

    const next = await syncGitLink(r.link.id);
    expect(next).toMatchObject({ state: "ok", lastFetchedSha: fix });
    expect(next.changeRequests).toHaveLength(1);
    expect(await db.policyVersion.count({ where: { policyId: r.policy.id } })).toBe(2);
  });
});
