import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { db } from "@/lib/core/db";
import { unpackTarGz } from "@/lib/core/tarball";
import type { Actor } from "@/lib/auth/actor";
import { applyRepositoryImport } from "@/lib/policy-repository/apply-repository-import";
import { readRepositoryUpload } from "@/lib/policy-repository/read-repository-upload";
import { reviewChangeRequest } from "@/lib/reviews/review-change-request";
import { publishChangeRequest } from "@/lib/publishing/publish-change-request";
import { createTestUser } from "@/test/factories/actors";
import { createTestBundle, TEST_OVERRIDE, uniqueRoot } from "@/test/factories/bundles";

let actors: { admin: Actor; author: Actor; reviewer: Actor };
beforeAll(async () => {
  actors = {
    admin: await createTestUser(["admin"]),
    author: await createTestUser(["author"]),
    reviewer: await createTestUser(["reviewer"]),
  };
});

describe("a published repository", () => {
  it("ships the library, the policy that imports it and the data documents, and opa decides with the bundle", async () => {
    const root = uniqueRoot();
    const files = {
      [`${root}/lib/lib.rego`]: `package ${root}.lib\n\nis_admin(u) if u in data.${root}.config.admins\n`,
      [`${root}/app/policy.rego`]: `package ${root}.app\n\nimport data.${root}.lib\n\ndefault allow := false\n\nallow if lib.is_admin(input.user)\n`,
      [`${root}/config/data.json`]: '{"admins": ["alice"]}\n',
      "elsewhere/data.json": '{"not": "shipped"}\n',
    };
    const imported = await applyRepositoryImport({
      actor: actors.author,
      entries: await readRepositoryUpload({
        kind: "files",
        files: Object.entries(files).map(([p, content]) => ({ path: p, content })),
      }),
      changeRequest: { title: "Import the repository" },
    });
    const number = imported.changeRequest!.number;
    await createTestBundle(actors.admin, { roots: [root], policyIds: imported.created.map((c) => c.policyId) });
    await reviewChangeRequest({ actor: actors.reviewer, number, input: { verdict: "approve", body: "" } });
    const published = await publishChangeRequest({
      actor: actors.admin,
      number,
      input: { overrideReason: TEST_OVERRIDE },
    });
    const revision = await db.bundleRevision.findUniqueOrThrow({ where: { id: published.revisions[0]!.id } });
    const shipped = await unpackTarGz(Buffer.from(revision.bytes));
    const names = shipped.map((f) => f.name.replace(/^\/+/, ""));
    expect(names).toEqual(
      expect.arrayContaining([`${root}/lib/policy.rego`, `${root}/app/policy.rego`, `${root}/config/data.json`]),
    );
    expect(names.some((n) => n.startsWith("elsewhere"))).toBe(false);

    const dir = mkdtempSync(path.join(os.tmpdir(), "verdict-repo-publish-"));
    try {
      writeFileSync(path.join(dir, "bundle.tar.gz"), revision.bytes);
      const decide = (user: string) =>
        spawnSync(
          inject("testEnv").opaBin,
          ["eval", "-f", "json", "-b", "bundle.tar.gz", "--stdin-input", `data.${root}.app.allow`],
          { cwd: dir, encoding: "utf8", input: JSON.stringify({ user }) },
        );
      const allowed = (user: string) => {
        const out = decide(user);
        expect(out.status, out.stderr).toBe(0);
        return (JSON.parse(out.stdout) as { result: Array<{ expressions: Array<{ value: unknown }> }> }).result[0]!
          .expressions[0]!.value;
      };
      expect([allowed("alice"), allowed("eve")]).toEqual([true, false]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
