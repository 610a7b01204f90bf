import { createHmac } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import type { Actor } from "@/lib/auth/actor";
import { createPolicy } from "@/lib/policies/create-policy";
import { savePolicyVersion } from "@/lib/policies/save-policy-version";
import { createChangeRequest } from "@/lib/change-requests/submit-change-request";
import { reviewChangeRequest } from "@/lib/reviews/review-change-request";
import { publishChangeRequest } from "@/lib/publishing/publish-change-request";
import { runPolicyTests } from "@/lib/policy-tests/run-policy-tests";
import { serveAgentPlane } from "@/lib/agents/plane/serve-agent-plane";
import { resolveProvenance } from "@/lib/decisions/resolve-provenance";
import { acceptRemoteHead } from "@/lib/git-sync/accept-remote-head";
import { createGitLink } from "@/lib/git-sync/create-git-link";
import { dismissGitConflict } from "@/lib/git-sync/dismiss-git-conflict";
import { updateGitLink } from "@/lib/git-sync/update-git-link";
import { syncGitLink } from "@/lib/git-sync/sync-git-link";
import { receiveGitWebhook } from "@/lib/git-sync/receive-git-webhook";
import { settledGitLinkSync } from "@/lib/git-sync/schedule-git-sync";
import { getGitLinkStatus } from "@/lib/git-sync/git-link-status";
import { removeMirror } from "@/lib/git-sync/git-mirror";
import { pollDueGitLinks } from "@/lib/git-sync/start-git-sync";
import { pushApprovedChange } from "@/lib/git-sync/push-approved-change";
import { onChangeRequestApproved } from "@/lib/change-requests/approval-hooks";
import { FROM_GIT_EMAIL } from "@/lib/git-sync/git-actor";
import { createTestUser } from "@/test/factories/actors";
import { allowPolicy, createTestBundle, uniqueRoot } from "@/test/factories/bundles";
import { createTestAgentCredential, eventually } from "@/test/factories/agents";
import { fastPolling, startOpaAgent } from "@/test/support/opa-agent";
import { git, startGitHttpServer, type GitHttpServer } from "@/test/support/git-http-server";

const TOKEN = { username: "verdict-bot", token: "tok-3f9a1c7e5b" };

let actors: { admin: Actor; author: Actor; reviewer: Actor };
let root: string;
let gitServer: GitHttpServer;
let plane: http.Server;
const cleanup: Array<() => Promise<void> | void> = [];
const linkIds: string[] = [];

beforeAll(async () => {
  actors = {
    admin: await createTestUser(["admin"]),
    author: await createTestUser(["author"]),
    reviewer: await createTestUser(["reviewer"]),
  };
  root = mkdtempSync(path.join(os.tmpdir(), "verdict-git-test-"));
  gitServer = await startGitHttpServer(root, TOKEN);
  // The hook boot registers, without boot's poll timer (whose ticks would race the poller test).
  onChangeRequestApproved("git-sync", pushApprovedChange);
  plane = http.createServer((req, res) => {
    if (!serveAgentPlane(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => plane.listen(0, "127.0.0.1", resolve));
});

afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
  for (const id of linkIds) await removeMirror(id);
  plane.closeAllConnections();
  await new Promise((resolve) => plane.close(resolve));
  await gitServer.stop();
  rmSync(root, { recursive: true, force: true });
});

/** A bare repository served over HTTP and a developer's clone of it with one first commit. */
function newRepository(name: string, files: Record<string, string>) {
  const bare = path.join(root, `${name}.git`);
  git(root, ["init", "--bare", "--quiet", "-b", "main", bare]);
  git(bare, ["config", "http.receivepack", "true"]);
  const work = path.join(root, `${name}-work`);
  git(root, ["clone", "--quiet", bare, work]);
  git(work, ["checkout", "--quiet", "-b", "main"]);
  commitFiles(work, files, "First policies", dev);
  git(work, ["push", "--quiet", "origin", "main"]);
  return { bare, work, url: gitServer.url(`${name}.git`) };
}

const dev = { name: "Dana Developer", email: "" };

function commitFiles(
  work: string,
  files: Record<string, string>,
  message: string,
  who: { name: string; email: string },
) {
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
    writeFileSync(path.join(work, file), content);
  }
  git(work, ["add", "-A"]);
  git(work, ["commit", "--quiet", "-m", message], {
    GIT_AUTHOR_NAME: who.name,
    GIT_AUTHOR_EMAIL: who.email || "someone@elsewhere.test",
    GIT_COMMITTER_NAME: who.name,
    GIT_COMMITTER_EMAIL: who.email || "someone@elsewhere.test",
  });
  return git(work, ["rev-parse", "HEAD"]);
}

function pushEvent(sha: string, before = "0".repeat(40)) {
  return Buffer.from(JSON.stringify({ ref: "refs/heads/main", before, after: sha, repository: { name: "x" } }));
}

function githubHeaders(secret: string, body: Buffer): Headers {
  const sig = createHmac("sha256", secret).update(body).digest("hex");
  return new Headers({ "x-github-event": "push", "x-hub-signature-256": `sha256=${sig}` });
}

async function linkRepository(url: string, packageRoot: string, extra: { pushEnabled?: boolean } = {}) {
  const created = await createGitLink({
    actor: actors.admin,
    input: {
      name: `link-${packageRoot}`,
      remoteUrl: url,
      branch: "main",
      path: "policies",
      packageRoot,
      auth: { kind: "token", ...TOKEN },
      pollIntervalSeconds: null,
      pushEnabled: extra.pushEnabled ?? false,
    },
  });
  linkIds.push(created.link.id);
  return created;
}

/** A policy in Verdict, in a bundle, and the same file committed in git. */
async function scenario(name: string, options: { pushEnabled?: boolean } = {}) {
  const pkgRoot = uniqueRoot();
  const packagePath = `${pkgRoot}.authz`;
  const source = allowPolicy(packagePath, ["alice"]);
  const policy = await createPolicy({
    actor: actors.author,
    input: { name: packagePath, packagePath, owner: "team", description: "", source, message: "" },
  });
  const bundle = await createTestBundle(actors.admin, { roots: [pkgRoot], policyIds: [policy.id] });
  const file = `policies/${pkgRoot}/authz/policy.rego`;
  const repo = newRepository(name, { [file]: source, "README.md": "policies\n" });
  const { link, webhookSecret } = await linkRepository(repo.url, pkgRoot, options);
  const first = await syncGitLink(link.id);
  expect(first).toMatchObject({ state: "ok", changeRequests: [] });
  return { pkgRoot, packagePath, policy, bundle, file, repo, link, webhookSecret };
}

/** A webhook delivery (answered before git runs) and the background sync it scheduled. */
async function deliver(linkId: string, headers: Headers, body: Buffer) {
  const outcome = await receiveGitWebhook({ linkId, headers, body });
  const sync = outcome.accepted ? await settledGitLinkSync(linkId) : null;
  if (outcome.accepted) expect(sync, "a sync was scheduled").not.toBeNull();
  return { ...outcome, sync };
}

async function appError(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe("inbound: a push becomes a change request that ships through the usual gate", () => {
  it("push → signed webhook → change request by the commit's author → tests → approval → publish → opa enforces it", async () => {
    const s = await scenario("inbound");
    const authorUser = await db.user.findUniqueOrThrow({ where: { id: actors.author.userId } });
    const testFile = s.file.replace("policy.rego", "policy_test.rego");
    const sha = commitFiles(
      s.repo.work,
      {
        [s.file]: allowPolicy(s.packagePath, ["alice", "bob"]),
        [testFile]: `package ${s.packagePath}_test\n\ntest_bob if data.${s.packagePath}.allow with input as {"user": "bob"}\n`,
      },
      "Allow bob",
      { name: "The Author", email: authorUser.email.toUpperCase() },
    );
    git(s.repo.work, ["push", "--quiet", "origin", "main"]);
    const body = pushEvent(sha);
    const outcome = await deliver(s.link.id, githubHeaders(s.webhookSecret, body), body);
    expect(outcome).toMatchObject({
      accepted: true,
      provider: "github",
      queued: true,
      sync: { state: "ok", lastFetchedSha: sha },
    });
    expect(outcome.sync!.changeRequests).toHaveLength(1);
    const number = outcome.sync!.changeRequests[0]!;
    const cr = await db.changeRequest.findUniqueOrThrow({
      where: { number },
      include: { items: { include: { policyVersion: true } } },
    });
    expect(cr.authorId).toBe(actors.author.userId);
    expect(cr.origin).toMatchObject({ type: "git", commit: sha, branch: "main", linkId: s.link.id });
    const version = cr.items[0]!.policyVersion!;
    expect(version).toMatchObject({ authorId: actors.author.userId, number: 2 });
    expect(version.testSource).toContain("test_bob");
    const audit = await db.auditEvent.findFirstOrThrow({ where: { action: "change_request.submit", targetId: cr.id } });
    expect(audit).toMatchObject({ actorType: "git", actorId: actors.author.userId });
    expect(JSON.stringify(audit.after)).toContain(sha);

    // Its author cannot approve it; someone else must, and the tests must pass.
    expect(
      (
        await appError(
          reviewChangeRequest({
            actor: { ...actors.author, roles: ["reviewer"] },
            number,
            input: { verdict: "approve", body: "" },
          }),
        )
      ).code,
    ).toBe("forbidden");
    await reviewChangeRequest({ actor: actors.reviewer, number, input: { verdict: "approve", body: "" } });
    expect((await appError(publishChangeRequest({ actor: actors.reviewer, number, input: {} }))).code).toBe(
      "unprocessable",
    );
    const run = await runPolicyTests({
      actor: actors.reviewer,
      policyId: s.policy.id,
      input: { version: 2, timeoutMs: 5000 },
    });
    expect(run.status).toBe("passed");
    const { revisions } = await publishChangeRequest({ actor: actors.reviewer, number, input: {} });
    const revision = await db.bundleRevision.findUniqueOrThrow({ where: { id: revisions[0]!.id } });
    expect(revision.manifest).toMatchObject({ metadata: { verdict: { changeRequest: { origin: { commit: sha } } } } });
    const lineage = await resolveProvenance({ [s.bundle.name]: { revision: revision.revision } });
    expect(lineage.bundles[0]!.published!.changeRequest).toMatchObject({ number, origin: { commit: sha } });

    const credential = await createTestAgentCredential(actors.admin, { bundles: [s.bundle.name] });
    const port = (plane.address() as AddressInfo).port;
    const agent = await startOpaAgent({
      name: "git-sync",
      config: credential.opaConfig,
      tweak: (c) => {
        fastPolling()(c);
        c.services.verdict.url = `http://127.0.0.1:${port}/api/opa`;
      },
    });
    cleanup.push(agent.stop);
    await eventually(async () => expect(await agent.activeRevision(s.bundle.name)).toBe(revision.revision), {
      timeoutMs: 20_000,
    });
    expect(await agent.decide(`${s.packagePath.replaceAll(".", "/")}/allow`, { user: "bob" })).toBe(true);
    expect(await agent.decide(`${s.packagePath.replaceAll(".", "/")}/allow`, { user: "carol" })).toBe(false);

    const status = await getGitLinkStatus({ actor: actors.admin, id: s.link.id });
    expect(status.link).toMatchObject({ lastFetchedSha: sha, state: "ok", lastError: null });
    expect(status.commits[0]).toMatchObject({
      sha,
      direction: "inbound",
      changeRequest: { number, status: "published" },
      versions: [{ packagePath: s.packagePath, number: 2 }],
    });
    expect(status.drift).toEqual([]);
  });

  it('records an author it does not know as "from git", and a commit outside the path makes no change request', async () => {
    const s = await scenario("unknown-author");
    commitFiles(s.repo.work, { "README.md": "changed\n" }, "Docs only", dev);
    const sha = commitFiles(s.repo.work, { [s.file]: allowPolicy(s.packagePath, ["eve"]) }, "Allow eve", dev);
    git(s.repo.work, ["push", "--quiet", "origin", "main"]);
    const result = await syncGitLink(s.link.id);
    expect(result).toMatchObject({ state: "ok", lastFetchedSha: sha });
    expect(result.changeRequests).toHaveLength(1);
    const cr = await db.changeRequest.findUniqueOrThrow({
      where: { number: result.changeRequests[0]! },
      include: { author: true },
    });
    expect(cr.author.email).toBe(FROM_GIT_EMAIL);
    expect(cr.author.disabledAt).not.toBeNull();
    const commits = await db.gitLinkCommit.findMany({ where: { linkId: s.link.id }, orderBy: { createdAt: "asc" } });
    // The first commit matched Verdict already, the second only touched the README.
    expect(commits.map((c) => c.changeRequestId === null)).toEqual([true, true, false]);
  });

  it("answers a burst of webhooks before git runs and takes the push in once", async () => {
    const s = await scenario("burst");
    const sha = commitFiles(s.repo.work, { [s.file]: allowPolicy(s.packagePath, ["uma"]) }, "Allow uma", dev);
    git(s.repo.work, ["push", "--quiet", "origin", "main"]);
    const body = pushEvent(sha);
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () =>
        receiveGitWebhook({ linkId: s.link.id, headers: githubHeaders(s.webhookSecret, body), body }),
      ),
    );
    for (const outcome of outcomes) expect(outcome).toEqual({ accepted: true, provider: "github", queued: true });
    const sync = await settledGitLinkSync(s.link.id);
    expect(sync).toMatchObject({ state: "ok", lastFetchedSha: sha });
    expect(settledGitLinkSync(s.link.id)).toBeNull();
    const taken = await db.gitLinkCommit.findMany({ where: { linkId: s.link.id, sha } });
    expect(taken).toHaveLength(1);
    expect(await db.changeRequest.count({ where: { id: taken[0]!.changeRequestId! } })).toBe(1);
    expect(await db.gitLink.findUniqueOrThrow({ where: { id: s.link.id } })).toMatchObject({ lastFetchedSha: sha });
  });

  it("refuses a webhook with a bad signature (401) and changes nothing", async () => {
    const s = await scenario("bad-signature");
    const sha = commitFiles(s.repo.work, { [s.file]: allowPolicy(s.packagePath, ["mallory"]) }, "Allow mallory", dev);
    git(s.repo.work, ["push", "--quiet", "origin", "main"]);
    const body = pushEvent(sha);
    const requestsBefore = gitServer.requests();
    const before = await db.changeRequest.count();
    const auditBefore = await db.auditEvent.count();
    for (const headers of [
      githubHeaders("not-the-secret", body),
      new Headers({ "x-gitea-signature": createHmac("sha256", "wrong").update(body).digest("hex") }),
      new Headers({ "x-gitlab-token": `${s.webhookSecret}x` }),
      new Headers({}),
    ]) {
      const error = await appError(receiveGitWebhook({ linkId: s.link.id, headers, body }));
      expect(error.status).toBe(401);
    }
    // A body altered after signing is refused too.
    const signed = githubHeaders(s.webhookSecret, body);
    const altered = pushEvent(sha, "1".repeat(40));
    expect((await appError(receiveGitWebhook({ linkId: s.link.id, headers: signed, body: altered }))).status).toBe(401);
    expect(await db.changeRequest.count()).toBe(before);
    expect(await db.auditEvent.count()).toBe(auditBefore);
    expect(gitServer.requests()).toBe(requestsBefore);
    const link = await db.gitLink.findUniqueOrThrow({ where: { id: s.link.id } });
    expect(link.lastFetchedSha).not.toBe(sha);

    // GitLab's token and Gitea's signature, when right, are accepted.
    const gitlab = await deliver(
      s.link.id,
      new Headers({ "x-gitlab-token": s.webhookSecret, "x-gitlab-event": "Push Hook" }),
      body,
    );
    expect(gitlab).toMatchObject({ accepted: true, provider: "gitlab", sync: { lastFetchedSha: sha } });
    const gitea = await deliver(
      s.link.id,
      new Headers({ "x-gitea-signature": createHmac("sha256", s.webhookSecret).update(body).digest("hex") }),
      body,
    );
    expect(gitea).toMatchObject({ accepted: true, provider: "gitea", sync: { changeRequests: [] } });
  });

  it("shows a force-push and a deleted branch without applying them; an admin may take the new head", async () => {
    const s = await scenario("force-push");
    const before = await db.changeRequest.count();
    git(s.repo.work, ["checkout", "--quiet", "--orphan", "rewrite"]);
    const rewritten = commitFiles(s.repo.work, { [s.file]: allowPolicy(s.packagePath, ["zed"]) }, "Rewritten", dev);
    git(s.repo.work, ["push", "--quiet", "--force", "origin", "rewrite:main"]);
    const body = pushEvent(rewritten);
    const outcome = await deliver(s.link.id, githubHeaders(s.webhookSecret, body), body);
    expect(outcome).toMatchObject({ accepted: true, sync: { state: "force_pushed", remoteHeadSha: rewritten } });
    expect(await db.changeRequest.count()).toBe(before);
    const shown = await getGitLinkStatus({ actor: actors.admin, id: s.link.id });
    expect(shown.link).toMatchObject({ state: "force_pushed", remoteHeadSha: rewritten });
    expect(shown.link.lastError).toMatch(/force-pushed/);
    expect(shown.link.lastFetchedSha).not.toBe(rewritten);
    // Polling again does not apply it either.
    expect(await syncGitLink(s.link.id)).toMatchObject({ state: "force_pushed", changeRequests: [] });

    const accepted = await acceptRemoteHead({ actor: actors.admin, id: s.link.id, sha: rewritten });
    expect(accepted.link).toMatchObject({ state: "ok", lastFetchedSha: rewritten });
    expect(accepted.changeRequest).not.toBeNull();
    expect(await db.auditEvent.count({ where: { action: "git_link.accept_head", targetId: s.link.id } })).toBe(1);

    git(s.repo.bare, ["update-ref", "-d", "refs/heads/main"]);
    expect(await syncGitLink(s.link.id)).toMatchObject({ state: "branch_deleted" });
    expect((await getGitLinkStatus({ actor: actors.admin, id: s.link.id })).link.lastError).toMatch(/does not exist/);
  });
});

/** The author saves a version in the editor and submits it; the reviewer approves (which runs the push hook). */
async function approveEditorChange(
  s: { policy: { id: string }; packagePath: string },
  users: string[],
  expectedVersion: number,
) {
  const saved = await savePolicyVersion({
    actor: actors.author,
    policyId: s.policy.id,
    input: { source: allowPolicy(s.packagePath, users), message: users.join(", "), expectedVersion },
  });
  const cr = await createChangeRequest({
    actor: actors.author,
    input: {
      title: `Allow ${users.at(-1)}`,
      description: "",
      items: [{ kind: "policy_version", policyVersionId: saved.version.id }],
    },
  });
  await reviewChangeRequest({ actor: actors.reviewer, number: cr.number, input: { verdict: "approve", body: "" } });
  return cr;
}

describe("outbound: an approved editor change is pushed as a commit", () => {
  it("commits with the author as author and the approver in a trailer; a branch that moved is a conflict and both sides keep their work", async () => {
    const s = await scenario("outbound", { pushEnabled: true });
    const cr = await approveEditorChange(s, ["alice", "frank"], 1);
    const head = git(s.repo.bare, ["rev-parse", "main"]);
    expect(git(s.repo.bare, ["log", "-1", "--format=%an <%ae>", head])).toBe(
      `${actors.author.name} <${actors.author.email}>`,
    );
    const message = git(s.repo.bare, ["log", "-1", "--format=%B", head]);
    expect(message).toContain(`Approved-by: ${actors.reviewer.name} <${actors.reviewer.email}>`);
    expect(message).toContain(`Verdict-Change-Request: #${cr.number}`);
    expect(git(s.repo.bare, ["show", `${head}:${s.file}`])).toContain('"frank"');
    const link = await db.gitLink.findUniqueOrThrow({ where: { id: s.link.id } });
    expect(link).toMatchObject({ lastFetchedSha: head, conflict: null });
    // Its own commit does not come back as a change request.
    expect(await syncGitLink(s.link.id)).toMatchObject({ state: "ok", changeRequests: [] });

    // Someone pushes to git directly; meanwhile an editor change is approved.
    git(s.repo.work, ["pull", "--quiet", "--ff-only", "origin", "main"]);
    const theirs = commitFiles(
      s.repo.work,
      { [s.file]: allowPolicy(s.packagePath, ["alice", "frank", "gina"]) },
      "gina",
      dev,
    );
    git(s.repo.work, ["push", "--quiet", "origin", "main"]);
    const second = await approveEditorChange(s, ["alice", "frank", "hal"], 2);
    expect(git(s.repo.bare, ["rev-parse", "main"])).toBe(theirs);
    const conflicted = await getGitLinkStatus({ actor: actors.admin, id: s.link.id });
    expect(conflicted.link.conflict).toMatchObject({ changeRequest: second.number, base: head });
    expect(conflicted.link.lastError).toMatch(/moved since the last fetch/);
    expect((await db.changeRequest.findUniqueOrThrow({ where: { id: second.id } })).status).toBe("approved");
    // The refused commit is kept in the mirror; the git commit becomes a change request of its own.
    const pending = (conflicted.link.conflict as { commit: string }).commit;
    expect(git(s.repo.bare, ["cat-file", "-t", theirs])).toBe("commit");
    expect(conflicted.drift).toEqual([
      { packagePath: s.packagePath, file: s.file.slice("policies/".length), kind: "differs" },
    ]);
    const synced = await syncGitLink(s.link.id);
    expect(synced).toMatchObject({ state: "ok", lastFetchedSha: theirs });
    expect(synced.changeRequests).toHaveLength(1);
    const fromGit = await db.changeRequest.findUniqueOrThrow({
      where: { number: synced.changeRequests[0]! },
      include: { items: { include: { policyVersion: true } } },
    });
    expect(fromGit.items[0]!.policyVersion!.source).toContain('"gina"');
    expect(await db.policyVersion.count({ where: { policyId: s.policy.id, source: { contains: '"hal"' } } })).toBe(1);
    expect(pending).toMatch(/^[0-9a-f]{40}$/);
    const dismissed = await dismissGitConflict({ actor: actors.admin, id: s.link.id });
    expect(dismissed.conflict).toBeNull();
  });
});

describe("a hostile or broken remote gives a clear error and no partial state", () => {
  it("wrong credentials, an unknown host, a symlink, a submodule and an oversized file", async () => {
    const s = await scenario("hostile");
    await updateGitLink({
      actor: actors.admin,
      id: s.link.id,
      input: { auth: { kind: "token", username: "x", token: "bad-token-77x" } },
    });
    commitFiles(s.repo.work, { [s.file]: allowPolicy(s.packagePath, ["ivan"]) }, "ivan", dev);
    git(s.repo.work, ["push", "--quiet", "origin", "main"]);
    expect(await syncGitLink(s.link.id)).toMatchObject({ state: "error", error: expect.stringMatching(/credentials/) });
    const stored = await db.gitLink.findUniqueOrThrow({ where: { id: s.link.id } });
    expect(JSON.stringify(stored)).not.toContain("bad-token-77x");
    await updateGitLink({ actor: actors.admin, id: s.link.id, input: { auth: { kind: "token", ...TOKEN } } });
    const crs = await db.changeRequest.count();

    for (const [name, make, expected] of [
      ["symlink", (dir: string) => symlinkSync("/etc/passwd", path.join(dir, "escape.rego")), /symbolic link/],
      [
        "big file",
        (dir: string) => writeFileSync(path.join(dir, "big.bin"), Buffer.alloc(3 * 1024 * 1024, 7)),
        /over the 2 MiB limit/,
      ],
    ] as const) {
      const h = await scenario(`hostile-${name.replace(" ", "-")}`);
      const before = await db.changeRequest.count();
      make(path.join(h.repo.work, "policies", h.pkgRoot, "authz"));
      commitFiles(h.repo.work, { [h.file]: allowPolicy(h.packagePath, ["judy"]) }, name, dev);
      git(h.repo.work, ["push", "--quiet", "origin", "main"]);
      const result = await syncGitLink(h.link.id);
      expect(result, name).toMatchObject({ state: "error", changeRequests: [] });
      expect(result.error, name).toMatch(expected);
      expect(await db.changeRequest.count(), name).toBe(before);
      expect(await db.policyVersion.count({ where: { policyId: h.policy.id } }), name).toBe(1);
      expect((await db.gitLink.findUniqueOrThrow({ where: { id: h.link.id } })).lastFetchedSha, name).toBe(
        (await syncGitLink(h.link.id)).lastFetchedSha,
      );
    }
    const submodule = newRepository("sub", { "x.txt": "x\n" });
    const sm = newRepository("with-submodule", { "policies/ok/policy.rego": "package ok\n" });
    git(sm.work, [
      "-c",
      "protocol.file.allow=always",
      "submodule",
      "add",
      "--quiet",
      submodule.bare,
      "policies/vendor",
    ]);
    commitFiles(sm.work, {}, "vendor", dev);
    git(sm.work, ["push", "--quiet", "origin", "main"]);
    const smLink = await linkRepository(sm.url, "");
    const smResult = await syncGitLink(smLink.link.id);
    expect(smResult).toMatchObject({ state: "error", error: expect.stringMatching(/submodule/), changeRequests: [] });

    const unknown = await createGitLink({
      actor: actors.admin,
      input: {
        name: "unknown-host",
        remoteUrl: "https://no-such-host.invalid/repo.git",
        branch: "main",
        path: "",
        packageRoot: "",
        auth: { kind: "none" },
        pollIntervalSeconds: null,
        pushEnabled: false,
      },
    });
    linkIds.push(unknown.link.id);
    expect(await syncGitLink(unknown.link.id)).toMatchObject({
      state: "error",
      error: expect.stringMatching(/resolve/),
    });
    expect(await db.changeRequest.count()).toBe(crs);
  });
});

describe("the poller", () => {
  it("syncs a link whose interval is due, and not again before the next one", async () => {
    const s = await scenario("poller");
    await updateGitLink({ actor: actors.admin, id: s.link.id, input: { pollIntervalSeconds: 300 } });
    const sha = commitFiles(s.repo.work, { [s.file]: allowPolicy(s.packagePath, ["pat"]) }, "Allow pat", dev);
    git(s.repo.work, ["push", "--quiet", "origin", "main"]);
    const now = new Date(Date.now() + 1000);
    expect(await pollDueGitLinks(now)).toBeGreaterThanOrEqual(1);
    const link = await db.gitLink.findUniqueOrThrow({ where: { id: s.link.id } });
    expect(link.lastFetchedSha).toBe(sha);
    expect(link.nextPollAt!.getTime()).toBe(now.getTime() + 300_000);
    expect(await db.gitLinkCommit.count({ where: { linkId: s.link.id, sha, changeRequestId: { not: null } } })).toBe(1);
    commitFiles(s.repo.work, { [s.file]: allowPolicy(s.packagePath, ["quinn"]) }, "Allow quinn", dev);
    git(s.repo.work, ["push", "--quiet", "origin", "main"]);
    await pollDueGitLinks(new Date(now.getTime() + 1000));
    expect((await db.gitLink.findUniqueOrThrow({ where: { id: s.link.id } })).lastFetchedSha).toBe(sha);
  });
});
