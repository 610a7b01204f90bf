import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/core/db";
import { createPolicy } from "@/lib/policies/create-policy";
import { appUrl, callApi, tokenFor } from "@/test/support/api";
import { createTestAgentCredential } from "@/test/factories/agents";
import { allowPolicy, createTestBundle, TEST_OVERRIDE, uniqueRoot } from "@/test/factories/bundles";
import { policyInput } from "@/test/factories/sample-policies";

let admin: Awaited<ReturnType<typeof tokenFor>>;
let author: Awaited<ReturnType<typeof tokenFor>>;
let reviewer: Awaited<ReturnType<typeof tokenFor>>;

beforeAll(async () => {
  admin = await tokenFor(["admin"]);
  author = await tokenFor(["author"]);
  reviewer = await tokenFor(["reviewer"]);
});

const paths = (body: { errors?: Array<{ path: string }> }) => (body.errors ?? []).map((e) => e.path).sort();

describe("bad input is refused precisely and writes nothing", () => {
  it("POST /api/v1/bundles", async () => {
    const before = await db.bundle.count();
    const res = await callApi("/api/v1/bundles", {
      token: admin.token,
      body: { name: "Bad Name", roots: ["a//b", "x"], policyIds: ["nope"] },
    });
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(paths(res.body)).toEqual(["body.name", "body.policyIds.0", "body.roots.0"]);
    expect((await callApi("/api/v1/bundles", { token: admin.token, body: { name: "ok", roots: [] } })).status).toBe(
      422,
    );
    expect(await db.bundle.count()).toBe(before);
  });

  it("POST /api/v1/change-requests and reviews", async () => {
    const before = await db.changeRequest.count();
    const res = await callApi("/api/v1/change-requests", {
      token: author.token,
      body: { title: "", items: [{ kind: "allowlist", id: 1 }] },
    });
    expect(res.status).toBe(422);
    expect(paths(res.body)).toEqual(["body.items.0.kind", "body.title"]);
    expect(
      (await callApi("/api/v1/change-requests", { token: author.token, body: { title: "x", items: [] } })).status,
    ).toBe(422);
    expect(await db.changeRequest.count()).toBe(before);
    const review = await callApi("/api/v1/change-requests/1/reviews", {
      token: reviewer.token,
      body: { verdict: "request_changes", body: "" },
    });
    expect(review.status).toBe(422);
    expect(paths(review.body)).toEqual(["body.body"]);
  });

  it("POST /api/v1/signing-keys", async () => {
    const before = await db.signingKey.count();
    expect(
      (await callApi("/api/v1/signing-keys", { token: admin.token, body: { source: "generate", algorithm: "HS256" } }))
        .status,
    ).toBe(422);
    const garbage = await callApi("/api/v1/signing-keys", {
      token: admin.token,
      body: {
        source: "import",
        privateKeyPem: `-----BEGIN PRIVATE KEY-----\n${"x".repeat(200)}\n-----END PRIVATE KEY-----`,
      },
    });
    expect(garbage.status).toBe(422);
    expect(paths(garbage.body)).toEqual(["body.privateKeyPem"]);
    expect(await db.signingKey.count()).toBe(before);
  });

  it("POST /api/opa/status", async () => {
    const bundle = await createTestBundle(admin.user);
    const { secret } = await createTestAgentCredential(admin.user, { bundles: [bundle.name] });
    const { secret: noStatus } = await createTestAgentCredential(admin.user, {
      bundles: [bundle.name],
      mayReportStatus: false,
    });
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${appUrl()}/api/opa/status`, {
        method: "POST",
        headers: { authorization: `Bearer ${secret}`, "content-type": "application/json", ...headers },
        body,
      });
    // The credentials were made in this process; the app learns of them through NOTIFY.
    await expect
      .poll(async () => (await post("{", { authorization: `Bearer ${noStatus}` })).status, { timeout: 10_000 })
      .toBe(403);
    await expect.poll(async () => (await post("{")).status, { timeout: 10_000 }).toBe(400);
    expect((await post("{}", { authorization: "" })).status).toBe(401);
    expect((await post("{}", { authorization: `Bearer ${noStatus}` })).status).toBe(403);
    expect((await post("{", {})).status).toBe(400);
    expect((await post("x", { "content-type": "text/plain" })).status).toBe(415);
    const missing = await post(JSON.stringify({ labels: { version: "1" } }));
    expect(missing.status).toBe(422);
    expect(paths(await missing.json())).toEqual(["body.labels"]);
    expect((await post(JSON.stringify({ labels: { id: "x", instance: "a" } }))).status).toBe(204);
    expect((await post(JSON.stringify({ labels: { id: "x" }, pad: "y".repeat(1_100_000) }))).status).toBe(413);
  });

  it("GET /api/opa/bundles/:name for names that cannot exist", async () => {
    const bundle = await createTestBundle(admin.user);
    const { secret } = await createTestAgentCredential(admin.user, { bundles: [bundle.name] });
    const auth = { authorization: `Bearer ${secret}` };
    // The app learns of the new credential through NOTIFY; poll until it has.
    await expect
      .poll(async () => (await fetch(`${appUrl()}/api/opa/bundles/${bundle.name}`, { headers: auth })).status, {
        timeout: 10_000,
      })
      .toBe(404);
    expect((await fetch(`${appUrl()}/api/opa/bundles/NOT%20VALID`, { headers: auth })).status).toBe(404);
  });
});

describe("review and publish over the API", () => {
  it("submits, reviews, publishes and serves the revision, with downloads for operators", async () => {
    const root = uniqueRoot();
    const policy = await createPolicy({
      actor: author.user,
      input: policyInput({ packagePath: `${root}.authz`, source: allowPolicy(`${root}.authz`, ["alice"]) }),
    });
    const bundle = await callApi("/api/v1/bundles", {
      token: admin.token,
      body: { name: root, roots: [root], policyIds: [policy.id] },
    });
    expect(bundle.status).toBe(201);
    const cr = await callApi("/api/v1/change-requests", {
      token: author.token,
      body: {
        title: "Ship it",
        description: "first version",
        items: [{ kind: "policy_version", policyVersionId: policy.head.id }],
      },
    });
    expect(cr.status).toBe(201);
    expect(
      (
        await callApi(`/api/v1/change-requests/${cr.body.number}/reviews`, {
          token: author.token,
          body: { verdict: "approve" },
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await callApi(`/api/v1/change-requests/${cr.body.number}/reviews`, {
          token: reviewer.token,
          body: { verdict: "approve" },
        })
      ).status,
    ).toBe(201);
    const gated = await callApi(`/api/v1/change-requests/${cr.body.number}/publish`, {
      token: reviewer.token,
      body: {},
    });
    expect(gated.status).toBe(422);
    expect(gated.body.tests.results).toHaveLength(1);
    const published = await callApi(`/api/v1/change-requests/${cr.body.number}/publish`, {
      token: admin.token,
      body: { overrideReason: TEST_OVERRIDE },
    });
    expect(published.status).toBe(201);
    expect(published.body.revisions).toEqual([expect.objectContaining({ bundle: root, revision: "r1" })]);

    const detail = await callApi(`/api/v1/bundles/${root}/revisions/1`, { token: author.token });
    expect(detail.body).toMatchObject({
      revision: "r1",
      changeRequest: { number: cr.body.number },
      signature: { kid: expect.any(String) },
      policies: [{ packagePath: `${root}.authz`, version: 1 }],
    });
    expect(detail.body.files.map((f: { name: string }) => f.name)).toEqual([".manifest", `${root}/authz/policy.rego`]);
    const download = await fetch(`${appUrl()}/api/v1/bundles/${root}/revisions/1/download`, {
      headers: { authorization: `Bearer ${author.token}` },
    });
    expect(download.headers.get("etag")).toBe(detail.body.etag);
    expect(Buffer.from(await download.arrayBuffer()).length).toBe(detail.body.size);
    const config = await fetch(`${appUrl()}/api/v1/bundles/${root}/opa-config`, {
      headers: { authorization: `Bearer ${author.token}` },
    });
    expect(await config.text()).toContain(detail.body.signature.kid);
    const key = (await callApi("/api/v1/signing-keys", { token: author.token })).body.items.find(
      (k: { kid: string }) => k.kid === detail.body.signature.kid,
    );
    const pem = await fetch(`${appUrl()}/api/v1/signing-keys/${key.id}/public-key`, {
      headers: { authorization: `Bearer ${author.token}` },
    });
    expect(await pem.text()).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  });
});
