import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/core/db";
import { callApi, tokenFor } from "@/test/support/api";
import { commitAndPush, git, startGitHttpServer, type GitHttpServer } from "@/test/support/git-http-server";
import { allowPolicy, uniqueRoot } from "@/test/factories/bundles";
import { eventually } from "@/test/factories/agents";

// The git-link endpoints in the running app, against a real git server on loopback.

const TOKEN = { username: "bot", token: "e2e-git-token-9d2c" };
let root: string;
let server: GitHttpServer;
let admin: string;
let author: string;
let work: string;
let pkgRoot: string;

const commit = (files: Record<string, string>, message: string) => commitAndPush(work, files, message);

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), "verdict-git-e2e-"));
  server = await startGitHttpServer(root, TOKEN);
  const bare = path.join(root, "repo.git");
  git(root, ["init", "--bare", "--quiet", "-b", "main", bare]);
  work = path.join(root, "work");
  git(root, ["clone", "--quiet", bare, work]);
  git(work, ["checkout", "--quiet", "-b", "main"]);
  pkgRoot = uniqueRoot();
  commit({ "README.md": "x\n" }, "start");
  admin = (await tokenFor(["admin"])).token;
  author = (await tokenFor(["author"])).token;
});

afterAll(async () => {
  await server.stop();
  rmSync(root, { recursive: true, force: true });
});

const sign = (secret: string, body: string) => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

describe("/api/v1/git-links", () => {
  it("links a repository (admin only, validated, secrets never shown again) and takes in a signed push", async () => {
    const input = {
      name: `e2e-${pkgRoot}`,
      remoteUrl: server.url("repo.git"),
      branch: "main",
      packageRoot: pkgRoot,
      auth: { kind: "token", ...TOKEN },
    };
    expect((await callApi("/api/v1/git-links", { token: author, body: input })).status).toBe(403);
    const bad = await callApi("/api/v1/git-links", { token: admin, body: { ...input, remoteUrl: "/etc" } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].path).toBe("body.remoteUrl");
    const created = await callApi("/api/v1/git-links", { token: admin, body: input });
    expect(created.status).toBe(201);
    const { link, webhookSecret } = created.body;
    expect(webhookSecret).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    const listed = await callApi("/api/v1/git-links", { token: admin });
    expect(JSON.stringify(listed.body)).not.toContain(TOKEN.token);
    expect(JSON.stringify(listed.body)).not.toContain(webhookSecret);
    expect((await callApi(`/api/v1/git-links/${link.id}/sync`, { token: admin, method: "POST" })).body).toMatchObject({
      state: "ok",
    });

    const packagePath = `${pkgRoot}.authz`;
    const sha = commit({ [`${pkgRoot}/authz/policy.rego`]: allowPolicy(packagePath, ["kim"]) }, "Allow kim");
    const body = JSON.stringify({ ref: "refs/heads/main", before: "0".repeat(40), after: sha });
    const hook = `/api/v1/git-links/${link.id}/webhook`;
    const before = await db.changeRequest.count();
    const refused = await callApi(hook, {
      body,
      headers: { "content-type": "application/json", "x-hub-signature-256": sign("guess", body) },
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    const huge = "x".repeat(1024 * 1024 + 1);
    const tooBig = await callApi(hook, { body: huge, headers: { "x-hub-signature-256": sign(webhookSecret, huge) } });
    expect(tooBig.status).toBe(413);
    expect(await db.changeRequest.count()).toBe(before);

    const accepted = await callApi(hook, {
      body,
      headers: {
        "content-type": "application/json",
        "x-github-event": "push",
        "x-hub-signature-256": sign(webhookSecret, body),
      },
    });
    // Answered before git runs; the sync's outcome shows on the link.
    expect(accepted.status).toBe(202);
    expect(accepted.body).toEqual({ accepted: true, provider: "github", queued: true });
    const status = await eventually(
      async () => {
        const shown = await callApi(`/api/v1/git-links/${link.id}`, { token: admin });
        expect(shown.body.link).toMatchObject({ state: "ok", lastFetchedSha: sha });
        return shown;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const number = status.body.commits[0].changeRequest.number;
    const cr = await db.changeRequest.findUniqueOrThrow({ where: { number } });
    expect(cr.origin).toMatchObject({ commit: sha });

    expect(status.body.commits[0]).toMatchObject({
      sha,
      changeRequest: { number },
      versions: [{ packagePath, number: 1 }],
    });
    expect(status.body.drift).toEqual([]);
    const events = await db.auditEvent.findMany({ where: { targetId: link.id }, select: { action: true } });
    expect(events.map((e) => e.action)).toEqual(
      expect.arrayContaining(["git_link.create", "git_link.sync", "git_link.commit_received"]),
    );
    const ping = await callApi(hook, {
      body: "{}",
      headers: { "x-github-event": "ping", "x-hub-signature-256": sign(webhookSecret, "{}") },
    });
    expect(ping.status).toBe(202);
    expect((await callApi(`/api/v1/git-links/${link.id}`, { token: admin, method: "DELETE" })).status).toBe(204);
    expect((await callApi(hook, { body, headers: { "x-hub-signature-256": sign(webhookSecret, body) } })).status).toBe(
      401,
    );
  });
});
