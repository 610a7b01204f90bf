import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/core/db";
import type { Actor } from "@/lib/auth/actor";
import { createGitLink } from "@/lib/git-sync/create-git-link";
import { updateGitLink } from "@/lib/git-sync/update-git-link";
import { syncGitLink } from "@/lib/git-sync/sync-git-link";
import { getGitLinkStatus } from "@/lib/git-sync/git-link-status";
import { mirrorDir, removeMirror } from "@/lib/git-sync/git-mirror";
import { createTestUser } from "@/test/factories/actors";
import { allowPolicy, uniqueRoot } from "@/test/factories/bundles";
import { commitAndPush, git } from "@/test/support/git-http-server";
import { generateSshKey, startSshGitServer, type SshGitServer } from "@/test/support/ssh-git-server";

// Deploy keys against the real OpenSSH sshd on loopback, every login confined to git-shell.

let admin: Actor;
let root: string;
let sshd: SshGitServer;
const linkIds: string[] = [];
const deployKey = generateSshKey("verdict-deploy");
const strangerKey = generateSshKey("someone-else");
/** The base64 body of a private key: what would show if any of it leaked. */
const keyBody = (k: string) =>
  k
    .split("\n")
    .filter((l) => l && !l.startsWith("-----"))
    .join("");

beforeAll(async () => {
  admin = await createTestUser(["admin"]);
  root = mkdtempSync(path.join(os.tmpdir(), "verdict-git-ssh-"));
  sshd = await startSshGitServer();
  sshd.authorize([deployKey.publicKey]);
});

afterAll(async () => {
  for (const id of linkIds) await removeMirror(id);
  await sshd.stop();
  rmSync(root, { recursive: true, force: true });
});

function repository(name: string) {
  const bare = path.join(root, `${name}.git`);
  git(root, ["init", "--bare", "--quiet", "-b", "main", bare]);
  const work = path.join(root, `${name}-work`);
  git(root, ["clone", "--quiet", bare, work]);
  git(work, ["checkout", "--quiet", "-b", "main"]);
  commitAndPush(work, { "policies/README.md": "policies\n" }, "start");
  return { bare, work };
}

async function sshLink(name: string, bare: string, privateKey: string) {
  const { link } = await createGitLink({
    actor: admin,
    input: {
      name,
      remoteUrl: sshd.url(bare),
      branch: "main",
      path: "policies",
      packageRoot: "",
      auth: { kind: "ssh_key", privateKey },
      pollIntervalSeconds: null,
      pushEnabled: false,
    },
  });
  linkIds.push(link.id);
  return link;
}

/** Everything Verdict stored or answered about a link, as one string to search for the key. */
async function everythingAbout(linkId: string): Promise<string> {
  const row = await db.gitLink.findUniqueOrThrow({ where: { id: linkId } });
  const audit = await db.auditEvent.findMany({ where: { targetId: linkId } });
  const status = await getGitLinkStatus({ actor: admin, id: linkId });
  const mirror = mirrorDir(linkId);
  const mirrorFiles = existsSync(mirror)
    ? readdirSync(mirror, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile() && !e.parentPath.includes(`${path.sep}objects`))
        .map((e) => readFileSync(path.join(e.parentPath, e.name), "utf8"))
    : [];
  return JSON.stringify({ row, audit, status, mirrorFiles }, (_k, v) => (typeof v === "bigint" ? String(v) : v));
}

/** Deploy keys a git command left behind in the temp dir (runGit removes its own). */
function leftoverKeys(): string[] {
  return readdirSync(os.tmpdir())
    .filter((d) => d.startsWith("verdict-git-") && existsSync(path.join(os.tmpdir(), d, "deploy_key")))
    .filter((d) =>
      readFileSync(path.join(os.tmpdir(), d, "deploy_key"), "utf8").includes(keyBody(deployKey.privateKey)),
    );
}

describe("a link over SSH with a deploy key", () => {
  it("fetches with the right key: a push becomes a change request, the host key is pinned, the key shown nowhere", async () => {
    const repo = repository("deploy");
    const link = await sshLink("ssh-deploy", repo.bare, deployKey.privateKey);
    const first = await syncGitLink(link.id);
    expect(first).toMatchObject({ state: "ok", error: null, changeRequests: [] });

    const pkgRoot = uniqueRoot();
    const packagePath = `${pkgRoot}.authz`;
    const sha = commitAndPush(
      repo.work,
      { [`policies/${pkgRoot}/authz/policy.rego`]: allowPolicy(packagePath, ["sam"]) },
      "Sam",
    );
    const result = await syncGitLink(link.id, { trigger: "webhook" });
    expect(result).toMatchObject({ state: "ok", error: null, lastFetchedSha: sha });
    expect(result.changeRequests).toHaveLength(1);
    const cr = await db.changeRequest.findUniqueOrThrow({
      where: { number: result.changeRequests[0]! },
      include: { items: { include: { policyVersion: { include: { policy: true } } } } },
    });
    expect(cr.origin).toMatchObject({ type: "git", commit: sha, remote: sshd.url(repo.bare) });
    expect(cr.items.map((i) => i.policyVersion?.policy.packagePath)).toEqual([packagePath]);

    // Accepted on first use, then pinned in the mirror: the same server is accepted again.
    const pinned = execFileSync("ssh-keygen", [
      "-F",
      `[127.0.0.1]:${sshd.port}`,
      "-f",
      path.join(mirrorDir(link.id), "known_hosts"),
    ]);
    expect(pinned.toString("utf8")).toContain("ssh-ed25519");
    expect(await syncGitLink(link.id)).toMatchObject({ state: "ok", lastFetchedSha: sha });
    expect(sshd.log()).toMatch(/Accepted publickey for/);

    const everything = await everythingAbout(link.id);
    expect(everything).not.toContain(keyBody(deployKey.privateKey));
    expect(everything).not.toMatch(/PRIVATE KEY/);
    expect(sshd.log()).not.toContain(keyBody(deployKey.privateKey));
    expect(leftoverKeys()).toEqual([]);
  });

  it("a wrong key is a clear error on the link, with nothing written and the link at the commit before", async () => {
    const repo = repository("wrong-key");
    const link = await sshLink("ssh-wrong-key", repo.bare, deployKey.privateKey);
    const base = (await syncGitLink(link.id)).lastFetchedSha;
    expect(base).toMatch(/^[0-9a-f]{40}$/);
    await updateGitLink({
      actor: admin,
      id: link.id,
      input: { auth: { kind: "ssh_key", privateKey: strangerKey.privateKey } },
    });

    const pkgRoot = uniqueRoot();
    commitAndPush(
      repo.work,
      { [`policies/${pkgRoot}/authz/policy.rego`]: allowPolicy(`${pkgRoot}.authz`, ["eve"]) },
      "Eve",
    );
    const counts = async () => ({
      versions: await db.policyVersion.count(),
      changeRequests: await db.changeRequest.count(),
      commits: await db.gitLinkCommit.count({ where: { linkId: link.id } }),
    });
    const before = await counts();
    const result = await syncGitLink(link.id);
    expect(result).toMatchObject({
      state: "error",
      changeRequests: [],
      lastFetchedSha: base,
      error: "The remote refused the credentials (wrong token or deploy key, or no access)",
    });
    expect(await counts()).toEqual(before);
    expect(await db.policy.count({ where: { packagePath: `${pkgRoot}.authz` } })).toBe(0);
    const stored = await db.gitLink.findUniqueOrThrow({ where: { id: link.id } });
    expect(stored).toMatchObject({ state: "error", lastFetchedSha: base });
    expect(sshd.log()).toMatch(/Failed publickey for/);
    const everything = await everythingAbout(link.id);
    for (const key of [deployKey, strangerKey]) expect(everything).not.toContain(keyBody(key.privateKey));

    // The right key again: the commit is taken in, once.
    await updateGitLink({
      actor: admin,
      id: link.id,
      input: { auth: { kind: "ssh_key", privateKey: deployKey.privateKey } },
    });
    const fixed = await syncGitLink(link.id);
    expect(fixed).toMatchObject({ state: "ok", error: null });
    expect(fixed.changeRequests).toHaveLength(1);
  });

  it("a server whose host key changed after it was pinned is refused, with nothing applied", async () => {
    const repo = repository("host-key");
    const hostKey = generateSshKey("host");
    const own = await startSshGitServer({ hostKey: hostKey.privateKey });
    own.authorize([deployKey.publicKey]);
    let impostor: SshGitServer | null = null;
    try {
      const { link } = await createGitLink({
        actor: admin,
        input: {
          name: "ssh-host-key",
          remoteUrl: own.url(repo.bare),
          branch: "main",
          path: "policies",
          packageRoot: "",
          auth: { kind: "ssh_key", privateKey: deployKey.privateKey },
          pollIntervalSeconds: null,
          pushEnabled: false,
        },
      });
      linkIds.push(link.id);
      const base = (await syncGitLink(link.id)).lastFetchedSha;
      await own.stop();
      // Another server on the same address, with a host key of its own.
      impostor = await startSshGitServer({ port: own.port });
      impostor.authorize([deployKey.publicKey]);
      const pkgRoot = uniqueRoot();
      commitAndPush(
        repo.work,
        { [`policies/${pkgRoot}/authz/policy.rego`]: allowPolicy(`${pkgRoot}.authz`, ["mal"]) },
        "Mal",
      );
      const changeRequests = await db.changeRequest.count();
      const result = await syncGitLink(link.id);
      expect(result).toMatchObject({ state: "error", lastFetchedSha: base, changeRequests: [] });
      expect(result.error).toMatch(/host key differs from the one pinned/);
      expect(await db.changeRequest.count()).toBe(changeRequests);
      expect(impostor.log()).not.toMatch(/Accepted publickey/);
    } finally {
      await own.stop();
      await impostor?.stop();
    }
  });
});
