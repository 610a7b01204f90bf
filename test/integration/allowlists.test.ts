import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import type { Actor } from "@/lib/auth/actor";
import { createTestUser } from "@/test/factories/actors";
import {
  approveAndPublish,
  createServiceWithEndpoints,
  entry,
  grant,
  serviceName,
  shipAllowlistBundle,
} from "@/test/factories/allowlists";
import { changeAllowlists } from "@/lib/allowlists/change-allowlists";
import { importAllowlists } from "@/lib/allowlists/import-allowlists";
import { exportAllowlists } from "@/lib/allowlists/export-allowlists";
import { getServiceDetail, listServices } from "@/lib/allowlists/list-services";
import { verifyAuditChain } from "@/lib/audit/verify-audit-chain";
import { reviewChangeRequest } from "@/lib/reviews/review-change-request";
import { unpackTarGz } from "@/lib/core/tarball";
import { ZImportQuery } from "@/lib/allowlists/schemas";
import { createService } from "@/lib/allowlists/create-service";
import { deleteService } from "@/lib/allowlists/delete-service";
import { addEndpoint } from "@/lib/allowlists/add-endpoint";
import { removeEndpoint } from "@/lib/allowlists/remove-endpoint";
import { grantAccess } from "@/lib/allowlists/grant-access";
import { updateEntry } from "@/lib/allowlists/update-entry";
import { revokeEntry } from "@/lib/allowlists/revoke-entry";

async function appError(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

const entryCount = () => db.allowlistEntry.count();
const BILLING = "spiffe://prod.example/ns/billing/sa/api";

function importRequest(format: "csv" | "json", body: string, query: Record<string, string> = {}) {
  const request = new Request("http://verdict.test/api/v1/allowlists/import", {
    method: "POST",
    body,
    headers: { "content-type": format === "csv" ? "text/csv" : "application/json" },
  });
  return { request, query: ZImportQuery.parse({ format, ...query }) };
}

let author: Actor;
let viewer: Actor;
let reviewer: Actor;

beforeAll(async () => {
  author = await createTestUser(["author"]);
  viewer = await createTestUser(["viewer"]);
  reviewer = await createTestUser(["reviewer"]);
  await shipAllowlistBundle({ admin: await createTestUser(["admin"]), author, reviewer });
});

describe("services and endpoints", () => {
  it("creates a service with endpoints, refuses duplicates and records every step", async () => {
    const service = await createServiceWithEndpoints(author, {
      endpoints: [
        ["POST", "/refunds"],
        ["get", "/refunds/{id}"],
      ],
    });
    const detail = await getServiceDetail({ actor: viewer, name: service.name });
    expect(detail.endpoints.map((e) => `${e.method} ${e.path}`)).toEqual(["POST /refunds", "GET /refunds/{id}"]);
    expect(
      (
        await appError(
          createService({
            actor: author,
            input: { name: service.name, trustDomain: "prod.example", ownerTeam: "x", description: "" },
          }),
        )
      ).status,
    ).toBe(409);
    expect(
      (
        await appError(
          addEndpoint({
            actor: author,
            serviceName: service.name,
            input: { method: "POST", path: "/refunds", description: "" },
          }),
        )
      ).status,
    ).toBe(409);
    const actions = (await db.auditEvent.findMany({ where: { targetId: service.id }, orderBy: { seq: "asc" } })).map(
      (e) => e.action,
    );
    expect(actions).toEqual(["service.create", "service.endpoint.create", "service.endpoint.create"]);
  });

  it("refuses writes from a viewer and unknown services with 404", async () => {
    expect(
      (
        await appError(
          createService({
            actor: viewer,
            input: { name: serviceName(), trustDomain: "prod.example", ownerTeam: "x", description: "" },
          }),
        )
      ).status,
    ).toBe(403);
    expect(
      (
        await appError(
          addEndpoint({
            actor: author,
            serviceName: "no-such-service",
            input: { method: "GET", path: "/", description: "" },
          }),
        )
      ).status,
    ).toBe(404);
    expect((await appError(getServiceDetail({ actor: viewer, name: "no-such-service" }))).status).toBe(404);
  });

  it("keeps a service or endpoint that still has grants, and deletes it once they are revoked", async () => {
    const service = await createServiceWithEndpoints(author, { endpoints: [["GET", "/x"]] });
    await grant(author, [entry(service.name, "GET", "/x", BILLING)]);
    const detail = await getServiceDetail({ actor: viewer, name: service.name });
    const endpoint = detail.endpoints[0]!;
    expect(
      (await appError(removeEndpoint({ actor: author, serviceName: service.name, endpointId: endpoint.id }))).message,
    ).toBe("GET /x still has 1 grant; revoke them first");
    expect((await appError(deleteService({ actor: author, name: service.name }))).status).toBe(409);
    const revoked = await revokeEntry({ actor: author, id: endpoint.entries[0]!.id });
    await approveAndPublish({ reviewer }, revoked.changeRequest!.number);
    await deleteService({ actor: author, name: service.name });
    expect(await db.service.findUnique({ where: { name: service.name } })).toBeNull();
  });
});

describe("single grants go through change requests", () => {
  it("proposes a grant, applies it only when another person approves and it is published, then refuses it twice; updates and revokes the same way", async () => {
    const service = await createServiceWithEndpoints(author, { endpoints: [["POST", "/refunds"]] });
    const proposed = await grantAccess({ actor: author, input: entry(service.name, "post", "/refunds", BILLING) });
    expect(proposed).toMatchObject({ proposed: true, changeRequest: { number: expect.any(Number) } });
    expect(proposed.diff.lines).toEqual([`+ ${BILLING} → ${service.name} POST /refunds`]);
    const where = { callerId: BILLING, endpoint: { serviceId: service.id } };
    expect(await db.allowlistEntry.count({ where })).toBe(0);
    const cr = await db.changeRequest.findUniqueOrThrow({ where: { number: proposed.changeRequest!.number } });
    expect(cr.title).toBe(`Allowlist: + ${BILLING} → ${service.name} POST /refunds`);

    const published = await approveAndPublish({ reviewer }, cr.number);
    expect(published.revisions.map((r) => r.bundle)).toEqual(["authz"]);
    const revision = await db.bundleRevision.findUniqueOrThrow({ where: { id: published.revisions[0]!.id } });
    const files = await unpackTarGz(Buffer.from(revision.bytes));
    expect(files.map((f) => f.name).sort()).toEqual([
      ".manifest",
      ".signatures.json",
      "verdict/allowlists/data.json",
      "verdict/authz/policy.rego",
    ]);
    const shipped = JSON.parse(files.find((f) => f.name === "verdict/allowlists/data.json")!.content.toString("utf8"));
    expect(shipped.services[service.name].callers[BILLING]).toEqual([
      { id: expect.any(String), endpoint: "POST /refunds" },
    ]);
    const stored = await db.allowlistEntry.findFirstOrThrow({ where });
    expect(stored).toMatchObject({ createdById: author.userId, approvedById: reviewer.userId });

    const dup = await appError(
      grantAccess({
        actor: author,
        input: entry(service.name, "POST", "/refunds", BILLING, { owner: "someone else" }),
      }),
    );
    expect(dup.status).toBe(409);
    expect(dup.message).toBe(`${BILLING} may already call ${service.name} POST /refunds (entry ${stored.id})`);

    const updated = await updateEntry({ actor: author, id: stored.id, input: { expiresAt: "2099-01-01T00:00:00Z" } });
    expect(updated.diff.lines).toEqual([
      `~ ${BILLING} → ${service.name} POST /refunds (until 2099-01-01T00:00Z): expiry no expiry → 2099-01-01T00:00Z`,
    ]);
    await approveAndPublish({ reviewer }, updated.changeRequest!.number);
    const revoked = await revokeEntry({ actor: author, id: stored.id });
    expect(revoked.diff.summary).toBe(`− ${BILLING} → ${service.name} POST /refunds (until 2099-01-01T00:00Z)`);
    await approveAndPublish({ reviewer }, revoked.changeRequest!.number);
    expect(await db.allowlistEntry.count({ where })).toBe(0);

    const events = await db.auditEvent.findMany({
      where: { action: "allowlist.change", actorId: reviewer.userId },
      orderBy: { seq: "desc" },
      take: 3,
    });
    expect(events.map((e) => (e.after as { lines: string[] }).lines[0]!.slice(0, 1))).toEqual(["−", "~", "+"]);
    expect((await verifyAuditChain()).ok).toBe(true);
  });

  it("refuses to publish a change that no longer applies cleanly, and publishes nothing", async () => {
    const service = await createServiceWithEndpoints(author, { endpoints: [["GET", "/y"]] });
    await grant(author, [entry(service.name, "GET", "/y", BILLING)]);
    const id = (
      await db.allowlistEntry.findFirstOrThrow({ where: { callerId: BILLING, endpoint: { serviceId: service.id } } })
    ).id;
    const first = await revokeEntry({ actor: author, id });
    const second = await revokeEntry({ actor: author, id });
    await approveAndPublish({ reviewer }, second.changeRequest!.number);
    const revisions = await db.bundleRevision.count();
    const stale = await appError(approveAndPublish({ reviewer }, first.changeRequest!.number));
    expect(stale.status).toBe(409);
    expect(stale.extra?.rowErrors).toEqual([{ row: 1, field: null, message: "no such grant exists" }]);
    expect(await db.bundleRevision.count()).toBe(revisions);
  });

  it("does not let the author approve their own allowlist change", async () => {
    const service = await createServiceWithEndpoints(author, { endpoints: [["GET", "/x"]] });
    const proposed = await grantAccess({ actor: author, input: entry(service.name, "GET", "/x", BILLING) });
    const selfReview = await appError(
      reviewChangeRequest({
        actor: { ...author, roles: ["author", "reviewer"] },
        number: proposed.changeRequest!.number,
        input: { verdict: "approve", body: "" },
      }),
    );
    expect(selfReview.status).toBe(403);
  });

  it("turns malformed input into field errors (422) and writes nothing", async () => {
    const service = await createServiceWithEndpoints(author, { endpoints: [["POST", "/refunds"]] });
    const before = await entryCount();
    const error = await appError(
      grantAccess({
        actor: author,
        input: entry(service.name, "POST", "/refunds", "spiffe://prod.example/ns/../admin", { reason: "" }),
      }),
    );
    expect(error.status).toBe(422);
    expect(error.fieldErrors).toEqual([
      { path: "body.caller", message: "must not contain dot segments (`/..`)" },
      { path: "body.reason", message: "is required" },
    ]);
    const unknown = await appError(
      grantAccess({ actor: author, input: entry("no-such-service", "POST", "/refunds", BILLING) }),
    );
    expect(unknown.fieldErrors).toEqual([{ path: "body.service", message: 'unknown service "no-such-service"' }]);
    expect(await entryCount()).toBe(before);
  });
});

describe("bulk import", () => {
  const header = "service,method,path,caller,owner,reason,expires_at,cross_trust_domain";

  it("dry-runs a CSV: shows the diff and per-row errors with row numbers, writes nothing", async () => {
    const service = await createServiceWithEndpoints(author, {
      endpoints: [
        ["POST", "/refunds"],
        ["GET", "/refunds/{id}"],
      ],
    });
    const csv = [
      header,
      `${service.name},POST,/refunds,${BILLING},billing,refunds,,`,
      `${service.name},GET,/refunds/{id},spiffe://prod.example/ns/ops/*,sre,dashboards,2099-01-01T00:00:00Z,`,
      `${service.name},GET,/refunds/{id},spiffe://Prod.example/ns/x,sre,x,,`,
      `ghost,GET,/,${BILLING},sre,x,,`,
      `${service.name},POST,/refunds,${BILLING},billing,again,,`,
    ].join("\n");
    const before = await entryCount();
    const { request, query } = importRequest("csv", csv);
    const result = await importAllowlists({ actor: author, request, query });
    expect(result).toMatchObject({ proposed: false, dryRun: true, changeRequest: null });
    expect(result.diff.lines).toEqual([
      `+ ${BILLING} → ${service.name} POST /refunds`,
      `+ spiffe://prod.example/ns/ops/* → ${service.name} GET /refunds/{id} (until 2099-01-01T00:00Z)`,
    ]);
    expect(result.errors).toEqual([
      {
        row: 4,
        field: "caller",
        message:
          "has upper-case letters in the trust domain; trust domains are lower case (spiffe://prod.example/ns/x)",
      },
      { row: 5, field: "service", message: 'unknown service "ghost"' },
      { row: 6, field: null, message: "grants the same caller, service, method and path as row 2" },
    ]);
    expect(await entryCount()).toBe(before);
  });

  it("applies all-or-nothing: one bad row and not a single grant is written", async () => {
    const service = await createServiceWithEndpoints(author, { endpoints: [["POST", "/refunds"]] });
    const rows = Array.from(
      { length: 50 },
      (_, i) => `${service.name},POST,/refunds,spiffe://prod.example/ns/team${i}/sa/api,billing,refunds,,`,
    );
    rows.push(`${service.name},POST,/refunds,spiffe://prod.example:8443/ns/bad,billing,refunds,,`);
    const before = await entryCount();
    const { request, query } = importRequest("csv", [header, ...rows].join("\n"), { dryRun: "false" });
    const error = await appError(importAllowlists({ actor: author, request, query }));
    expect(error.status).toBe(422);
    expect(error.message).toBe("Nothing was proposed: 1 row has errors");
    expect(error.extra?.rowErrors).toEqual([
      { row: 52, field: "caller", message: "must not have a port in the trust domain" },
    ]);
    expect(await entryCount()).toBe(before);

    rows.pop();
    const ok = importRequest("csv", [header, ...rows].join("\n"), { dryRun: "false" });
    const proposed = await importAllowlists({ actor: author, ...ok });
    expect(proposed).toMatchObject({ proposed: true, errors: [] });
    expect(proposed.diff.summary).toBe("+ 50 grants");
    expect(await entryCount()).toBe(before);
    await approveAndPublish({ reviewer }, proposed.changeRequest!.number);
    expect(await entryCount()).toBe(before + 50);
  });

  it("refuses an oversized file with 413 before reading it all, and a wrong content type with 415", async () => {
    const big = `${header}\n${"x".repeat(5 * 1024 * 1024)}`;
    const { request, query } = importRequest("csv", big);
    expect((await appError(importAllowlists({ actor: author, request, query }))).status).toBe(413);
    const wrong = new Request("http://verdict.test/x", {
      method: "POST",
      body: "[]",
      headers: { "content-type": "application/xml" },
    });
    expect(
      (
        await appError(
          importAllowlists({ actor: author, request: wrong, query: ZImportQuery.parse({ format: "json" }) }),
        )
      ).status,
    ).toBe(415);
  });

  it("applies only the plan that was reviewed (expectedPlanHash) and otherwise answers 409", async () => {
    const service = await createServiceWithEndpoints(author, { endpoints: [["POST", "/refunds"]] });
    const body = JSON.stringify({ entries: [entry(service.name, "POST", "/refunds", BILLING)] });
    const dry = await importAllowlists({ actor: author, ...importRequest("json", body) });
    await grant(author, [entry(service.name, "POST", "/refunds", "spiffe://prod.example/ns/sneaky")]);
    const stale = await appError(
      importAllowlists({
        actor: author,
        ...importRequest("json", body, { dryRun: "false", mode: "replace", expectedPlanHash: dry.planHash }),
      }),
    );
    expect(stale.status).toBe(409);
    const applied = await importAllowlists({
      actor: author,
      ...importRequest("json", body, { dryRun: "false", expectedPlanHash: dry.planHash }),
    });
    expect(applied.proposed).toBe(true);
  });

  it("round-trips an export through import unchanged (CSV and JSON), expired grants included", async () => {
    const service = await createServiceWithEndpoints(author, {
      endpoints: [
        ["POST", "/refunds"],
        ["*", "/reports/*"],
      ],
    });
    await grant(author, [
      entry(service.name, "POST", "/refunds", BILLING, {
        reason: "=cmd|' /C calc'!A0",
        expiresAt: "2099-05-01T10:00:00Z",
      }),
      entry(service.name, "*", "/reports/*", "spiffe://partner.example/ns/acme/*", { crossTrustDomain: true }),
    ]);
    await db.allowlistEntry.updateMany({
      where: { callerId: BILLING, endpoint: { serviceId: service.id } },
      data: { expiresAt: new Date(Date.now() - 60_000) },
    });
    for (const format of ["csv", "json"] as const) {
      const file = await exportAllowlists({ actor: viewer, format });
      if (format === "csv") expect(file.body).toContain(`'=cmd|' /C calc'!A0`);
      const result = await importAllowlists({
        actor: author,
        ...importRequest(format, file.body, { mode: "replace" }),
      });
      expect(result.errors).toEqual([]);
      expect(result.diff.summary).toBe("no change");
    }
  });

  it("replace mode removes what the file leaves out", async () => {
    const service = await createServiceWithEndpoints(author, { endpoints: [["GET", "/a"]] });
    await grant(author, [
      entry(service.name, "GET", "/a", "spiffe://prod.example/ns/one"),
      entry(service.name, "GET", "/a", "spiffe://prod.example/ns/two"),
    ]);
    const file = await exportAllowlists({ actor: viewer, format: "json" });
    const kept = JSON.parse(file.body) as { entries: Array<{ caller: string }> };
    kept.entries = kept.entries.filter((e) => e.caller !== "spiffe://prod.example/ns/two");
    const result = await importAllowlists({
      actor: author,
      ...importRequest("json", JSON.stringify(kept), { mode: "replace", dryRun: "false" }),
    });
    expect(result.diff.lines).toEqual([`− spiffe://prod.example/ns/two → ${service.name} GET /a`]);
  });

  it("removes grants listed in a change request body and refuses ones that do not exist", async () => {
    const service = await createServiceWithEndpoints(author, { endpoints: [["GET", "/a"]] });
    await grant(author, [entry(service.name, "GET", "/a", "spiffe://prod.example/ns/one")]);
    const key = { service: service.name, method: "GET", path: "/a", caller: "spiffe://prod.example/ns/one" };
    const error = await appError(
      changeAllowlists({
        actor: author,
        input: {
          upserts: [],
          removals: [
            { row: 1, value: key },
            { row: 2, value: { ...key, caller: "spiffe://prod.example/ns/none" } },
          ],
          mode: "merge",
          dryRun: false,
          source: "api",
        },
      }),
    );
    expect(error.extra?.rowErrors).toEqual([{ row: 2, field: null, message: "no such grant exists" }]);
    const done = await changeAllowlists({
      actor: author,
      input: { upserts: [], removals: [{ row: 1, value: key }], mode: "merge", dryRun: false, source: "api" },
    });
    expect(done.diff.removed).toBe(1);
  });
});

describe("service list", () => {
  it("counts grants, expired and expiring-soon per service", async () => {
    const service = await createServiceWithEndpoints(author, { endpoints: [["GET", "/a"]] });
    await grant(author, [
      entry(service.name, "GET", "/a", "spiffe://prod.example/ns/one"),
      entry(service.name, "GET", "/a", "spiffe://prod.example/ns/two", {
        expiresAt: new Date(Date.now() + 3 * 86_400_000).toISOString(),
      }),
      entry(service.name, "GET", "/a", "spiffe://prod.example/ns/three", {
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
      }),
    ]);
    await db.allowlistEntry.updateMany({
      where: { callerId: "spiffe://prod.example/ns/three" },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const [summary] = await listServices({ actor: viewer, q: service.name });
    expect(summary).toMatchObject({ name: service.name, endpoints: 1, grants: 3, expired: 1, expiringSoon: 1 });
  });
});
