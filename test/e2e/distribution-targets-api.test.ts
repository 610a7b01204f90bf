import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/core/db";
import { callApi, tokenFor } from "@/test/support/api";
import { createTestBundle } from "@/test/factories/bundles";
import { LOG_DIR } from "@/test/support/app-process";
import { findSecretsInLogs } from "@/test/support/secret-scan";

// The routes over the running app: validation, authorization, no secret in any answer, 404s.
// Uploads to real servers are covered by test/integration/distribution-targets.test.ts.

let admin: Awaited<ReturnType<typeof tokenFor>>;
let author: Awaited<ReturnType<typeof tokenFor>>;
let reviewer: Awaited<ReturnType<typeof tokenFor>>;
let bundle: string;
const SECRET = randomBytes(18).toString("base64url");

beforeAll(async () => {
  admin = await tokenFor(["admin"]);
  author = await tokenFor(["author"]);
  reviewer = await tokenFor(["reviewer"]);
  bundle = (await createTestBundle(admin.user)).name;
});

const targets = () => `/api/v1/bundles/${bundle}/targets`;
const s3Target = {
  kind: "s3",
  name: "bucket",
  url: "http://127.0.0.1:9",
  bucket: "bundles",
  key: "opa/bundle.tar.gz",
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: SECRET },
};

describe("distribution target routes", () => {
  it("refuse bad bodies precisely and write nothing", async () => {
    const res = await callApi(targets(), {
      token: admin.token,
      body: { kind: "oci", name: "Bad Name", url: "ftp://x", repository: "UPPER", tag: "a:b" },
    });
    expect(res.status).toBe(422);
    expect((res.body.errors as Array<{ path: string }>).map((e) => e.path).sort()).toEqual([
      "body.name",
      "body.repository",
      "body.tag",
      "body.url",
    ]);
    expect((await callApi(targets(), { token: admin.token, body: { kind: "ftp" } })).status).toBe(422);
    expect(
      (await callApi(targets(), { token: admin.token, body: { ...s3Target, credentials: undefined } })).status,
    ).toBe(422);
    expect(
      (await callApi(targets(), { token: admin.token, body: { ...s3Target, key: "x".repeat(20_000) } })).status,
    ).toBe(413);
    expect(await db.distributionTarget.count({ where: { bundle: { name: bundle } } })).toBe(0);
  });

  it("add, list, re-check and remove a target, never answering with its credentials", async () => {
    expect((await callApi(targets(), { token: author.token, body: s3Target })).status).toBe(403);
    const created = await callApi(targets(), { token: admin.token, body: s3Target });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "bucket", kind: "s3", auth: "sigv4", uploads: [] });
    expect((await callApi(targets(), { token: admin.token, body: s3Target })).status).toBe(409);

    const listed = await callApi(targets(), { token: author.token });
    expect(listed.status).toBe(200);
    expect(listed.body.targets.map((t: { name: string }) => t.name)).toEqual(["bucket"]);
    expect(JSON.stringify([created.body, listed.body])).not.toContain(SECRET);

    const config = await callApi(`/api/v1/bundles/${bundle}/opa-config?target=bucket`, { token: author.token });
    expect(config.status).toBe(200);
    expect(config.body).toContain("s3_signing");
    expect(config.body).not.toContain(SECRET);
    expect((await callApi(`/api/v1/bundles/${bundle}/opa-config?target=nope`, { token: author.token })).status).toBe(
      404,
    );
    expect((await callApi(`/api/v1/bundles/${bundle}/opa-config?target=Bad!`, { token: author.token })).status).toBe(
      422,
    );

    expect(
      (await callApi(`/api/v1/bundles/${bundle}/target-checks`, { token: author.token, method: "POST" })).status,
    ).toBe(403);
    const checked = await callApi(`/api/v1/bundles/${bundle}/target-checks`, { token: reviewer.token, method: "POST" });
    expect(checked.status).toBe(200);
    expect(checked.body.outcomes).toEqual([
      { target: "bucket", revision: null, outcome: "nothing-stored", detail: null },
    ]);

    expect((await callApi(`${targets()}/bucket`, { token: author.token, method: "DELETE" })).status).toBe(403);
    expect((await callApi(`${targets()}/bucket`, { token: admin.token, method: "DELETE" })).status).toBe(204);
    expect((await callApi(`${targets()}/bucket`, { token: admin.token, method: "DELETE" })).status).toBe(404);
    expect((await callApi("/api/v1/bundles/no-such-bundle/targets", { token: author.token })).status).toBe(404);
    const actions = await db.auditEvent.findMany({
      where: { targetType: "distribution_target", targetId: created.body.id },
      orderBy: { seq: "asc" },
      select: { action: true, after: true, before: true },
    });
    expect(actions.map((a) => a.action)).toEqual(["distribution_target.create", "distribution_target.delete"]);
    expect(JSON.stringify(actions)).not.toContain(SECRET);
    expect(findSecretsInLogs(LOG_DIR, [SECRET])).toEqual([]);
  });
});
