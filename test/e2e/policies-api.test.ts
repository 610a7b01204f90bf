import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/core/db";
import { createTestUser } from "@/test/factories/actors";
import { policyInput } from "@/test/factories/sample-policies";
import { appUrl, callApi, tokenFor } from "@/test/support/api";
import { signInWithPassword } from "@/test/support/session";

let token = "";
let policyId = "";
let packagePath = "";

beforeAll(async () => {
  token = (await tokenFor(["author"])).token;
  const input = policyInput();
  packagePath = input.packagePath;
  const res = await callApi("/api/v1/policies", { token, body: input });
  expect(res.status).toBe(201);
  policyId = res.body.id;
});

const countRows = async () => ({
  policies: await db.policy.count(),
  versions: await db.policyVersion.count(),
  audit: await db.auditEvent.count(),
});

describe("POST /api/v1/policies rejects bad input precisely and writes nothing", () => {
  const base = () => policyInput();
  const cases: Array<{
    name: string;
    send: () => { body?: unknown; headers?: Record<string, string> };
    status: number;
    check?: (body: any) => void;
  }> = [
    {
      name: "wrong content type",
      send: () => ({ body: JSON.stringify(base()), headers: { "content-type": "text/plain" } }),
      status: 415,
    },
    {
      name: "malformed JSON",
      send: () => ({ body: '{"name": "x",', headers: { "content-type": "application/json" } }),
      status: 400,
    },
    {
      name: "missing fields",
      send: () => ({ body: {} }),
      status: 422,
      check: (b) =>
        expect(b.errors.map((e: any) => e.path)).toEqual(
          expect.arrayContaining(["body.name", "body.packagePath", "body.owner", "body.source"]),
        ),
    },
    {
      name: "wrong types",
      send: () => ({ body: { ...base(), name: 42, source: ["x"] } }),
      status: 422,
      check: (b) =>
        expect(b.errors.map((e: any) => e.path)).toEqual(expect.arrayContaining(["body.name", "body.source"])),
    },
    {
      name: "bad package path",
      send: () => ({ body: { ...base(), packagePath: "Not A Package" } }),
      status: 422,
      check: (b) => expect(b.errors[0].path).toBe("body.packagePath"),
    },
    { name: "reserved package", send: () => ({ body: { ...base(), packagePath: "system.log" } }), status: 422 },
    {
      name: "body over the size limit",
      send: () => ({ body: { ...base(), source: "#".repeat(3 * 1024 * 1024) } }),
      status: 413,
    },
    {
      name: "module over 1 MiB",
      send: () => {
        const b = base();
        return { body: { ...b, source: `package ${b.packagePath}\n${"# pad\n".repeat(200_000)}` } };
      },
      status: 413,
    },
    {
      name: "Rego that does not compile",
      send: () => {
        const b = base();
        return { body: { ...b, source: `package ${b.packagePath}\n\nallow if {\n  input.x ==\n}\n` } };
      },
      status: 422,
      check: (b) => expect(b.regoErrors[0]).toMatchObject({ code: "rego_parse_error", row: 5, col: 1 }),
    },
  ];

  it.each(cases)("$name → $status", async ({ send, status, check }) => {
    const before = await countRows();
    const { body, headers } = send();
    const res = await callApi("/api/v1/policies", { token, body, headers });
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.body).toMatchObject({
      status,
      title: expect.any(String),
      detail: expect.any(String),
      requestId: expect.any(String),
    });
    check?.(res.body);
    expect(await countRows()).toEqual(before);
  });
});

describe("policy versions over HTTP", () => {
  it("returns 409 with both versions for a stale save", async () => {
    const head = await callApi(`/api/v1/policies/${policyId}`, { token });
    const source = head.body.head.source as string;
    const first = await callApi(`/api/v1/policies/${policyId}/versions`, {
      token,
      body: { source: `${source}\n# a\n`, message: "a", expectedVersion: head.body.headNumber },
    });
    expect(first.status).toBe(201);
    const stale = await callApi(`/api/v1/policies/${policyId}/versions`, {
      token,
      body: { source: `${source}\n# b\n`, message: "b", expectedVersion: head.body.headNumber },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.current).toMatchObject({ number: head.body.headNumber + 1, source: `${source}\n# a\n` });
    expect(stale.body.yours).toMatchObject({ basedOn: head.body.headNumber, source: `${source}\n# b\n` });
  });

  it("answers 404 for unknown and malformed ids", async () => {
    expect((await callApi("/api/v1/policies/00000000-0000-4000-8000-000000000000", { token })).status).toBe(404);
    expect((await callApi("/api/v1/policies/not-a-uuid", { token })).status).toBe(404);
    expect((await callApi(`/api/v1/policies/${policyId}/versions/999`, { token })).status).toBe(404);
  });

  it("lints and formats unsaved source with the real opa", async () => {
    const lint = await callApi("/api/v1/rego/lint", {
      token,
      body: { source: `package ${packagePath}\n\nallow if { y }\n` },
    });
    expect(lint.status).toBe(200);
    expect(lint.body.errors[0]).toMatchObject({ code: "rego_unsafe_var_error", row: 3 });
    const fmt = await callApi("/api/v1/rego/format", {
      token,
      body: { source: `package ${packagePath}\nallow   if   input.x == 1` },
    });
    expect(fmt.body).toEqual({ formatted: `package ${packagePath}\n\nallow if input.x == 1\n`, changed: true });
  });
});

describe("references between policies over HTTP", () => {
  it("refuses a call into an undeclared package with 422, then lists a library's dependants", async () => {
    const lib = `${packagePath}_lib`;
    const app = `${packagePath}_app`;
    const alias = lib.split(".").pop()!;
    const appSource = `package ${app}\n\nimport data.${lib}\n\nallow if ${alias}.ok(input)\n`;
    const early = await callApi("/api/v1/policies", {
      token,
      body: policyInput({ packagePath: app, source: appSource }),
    });
    expect(early.status).toBe(422);
    expect(early.body.detail).toContain(`no policy declares package ${lib}`);
    expect(early.body.missingPackages[0]).toMatchObject({ package: lib });

    const created = await callApi("/api/v1/policies", {
      token,
      body: policyInput({ packagePath: lib, source: `package ${lib}\n\nok(x) if x.user == "alice"\n` }),
    });
    expect(created.status).toBe(201);
    const dependant = await callApi("/api/v1/policies", {
      token,
      body: policyInput({ packagePath: app, source: appSource }),
    });
    expect(dependant.status).toBe(201);
    const refs = await callApi(`/api/v1/policies/${created.body.id}/references`, { token });
    expect(refs.status).toBe(200);
    expect(refs.body).toMatchObject({
      dependencies: [],
      dependants: [{ policyId: dependant.body.id, packagePath: app, version: 1, direct: true }],
      missing: [],
    });
  });
});

describe("browser sessions", () => {
  let email = "";
  const password = "a long enough password";
  beforeAll(async () => {
    email = (await createTestUser(["author"], { password })).email;
  });

  it("sets an HttpOnly, SameSite session cookie", async () => {
    const session = await signInWithPassword(email, password);
    expect(session.ok).toBe(true);
    const cookie = session.setCookies.find((c) => c.includes("next-auth.session-token="))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
  });

  it("refuses cookie-authenticated writes without a same-origin Origin header (CSRF)", async () => {
    const { cookie } = await signInWithPassword(email, password);
    const noOrigin = await callApi("/api/v1/policies", { body: {}, headers: { cookie } });
    expect(noOrigin.status).toBe(403);
    const foreign = await callApi("/api/v1/policies", {
      body: {},
      headers: { cookie, origin: "https://evil.example" },
    });
    expect(foreign.status).toBe(403);
    const same = await callApi("/api/v1/policies", { body: {}, headers: { cookie, origin: appUrl() } });
    expect(same.status).toBe(422);
  });

  it("lets a person change their own password only with the current one, and only from a session", async () => {
    const person = await createTestUser(["viewer"], { password });
    const { cookie } = await signInWithPassword(person.email, password);
    const headers = { cookie, origin: appUrl() };
    const wrong = await callApi("/api/v1/me/password", {
      method: "PUT",
      headers,
      body: { currentPassword: "not it", newPassword: "another long password" },
    });
    expect(wrong.status).toBe(422);
    const ok = await callApi("/api/v1/me/password", {
      method: "PUT",
      headers,
      body: { currentPassword: password, newPassword: "another long password" },
    });
    expect(ok.status).toBe(200);
    expect((await signInWithPassword(person.email, password)).ok).toBe(false);
    expect((await signInWithPassword(person.email, "another long password")).ok).toBe(true);
    const viaToken = await callApi("/api/v1/me/password", {
      method: "PUT",
      token: (await tokenFor(["viewer"])).token,
      body: { currentPassword: "x", newPassword: "yet another long password" },
    });
    expect(viaToken.status).toBe(403);
  });

  it("throttles repeated failed sign-ins for an account", async () => {
    const victim = await createTestUser(["viewer"], { password });
    for (let i = 0; i < 10; i++) expect((await signInWithPassword(victim.email, "wrong password")).ok).toBe(false);
    const blocked = await signInWithPassword(victim.email, password);
    expect(blocked.ok).toBe(false);
    expect(decodeURIComponent(blocked.location ?? "")).toContain("throttled");
  });
});
