import { describe, expect, it } from "vitest";
import { planChanges, type Catalog, type PlanInput, type StoredEntry } from "@/lib/allowlists/change-plan";
import { parseImportFile } from "@/lib/allowlists/import-file";
import type { AppError } from "@/lib/core/errors";
import type { TEntrySpecInput } from "@/lib/allowlists/schemas";

const now = new Date("2026-06-01T00:00:00Z");
const billing = "spiffe://prod/ns/billing/sa/api";

const catalog: Catalog = new Map([
  [
    "payments",
    {
      id: "s1",
      name: "payments",
      trustDomain: "prod",
      endpoints: new Map([
        ["POST /refunds", { id: "p1", method: "POST", path: "/refunds" }],
        ["GET /refunds/{id}", { id: "p2", method: "GET", path: "/refunds/{id}" }],
      ]),
    },
  ],
]);

const stored = (over: Partial<StoredEntry> = {}): StoredEntry => ({
  id: "e1",
  endpointId: "p1",
  service: "payments",
  method: "POST",
  path: "/refunds",
  caller: billing,
  owner: "billing",
  reason: "refund flow",
  expiresAt: null,
  crossTrustDomain: false,
  ...over,
});

const row = (over: Partial<TEntrySpecInput> = {}): TEntrySpecInput => ({
  service: "payments",
  method: "POST",
  path: "/refunds",
  caller: billing,
  owner: "billing",
  reason: "refund flow",
  ...over,
});

function plan(upserts: TEntrySpecInput[], options: Partial<PlanInput> = {}) {
  return planChanges({
    catalog,
    existing: [],
    upserts: upserts.map((value, i) => ({ row: i + 2, value })),
    removals: [],
    mode: "merge",
    now,
    ...options,
  });
}

describe("planChanges", () => {
  it("adds a grant and describes it as a tuple", () => {
    const p = plan([row()]);
    expect(p.errors).toEqual([]);
    expect(p.adds).toHaveLength(1);
    expect(p.diff.lines).toEqual([`+ ${billing} → payments POST /refunds`]);
    expect(p.diff.summary).toBe(`+ ${billing} → payments POST /refunds`);
    expect(p.planHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("normalises method case and whitespace before matching endpoints", () => {
    const p = plan([row({ method: "post", path: " /refunds ", caller: ` ${billing} ` })]);
    expect(p.errors).toEqual([]);
    expect(p.adds[0]!.spec).toMatchObject({ method: "POST", path: "/refunds", caller: billing });
  });

  it("reports every problem of every row with its row number", () => {
    const p = plan([
      row({ service: "nope" }),
      row({ caller: "spiffe://prod:8080/ns/a", reason: "  " }),
      row({ method: "FETCH!", path: "refunds" }),
      row({ path: "/refunds/{id}/x" }),
      row({ expiresAt: "2026-13-01", crossTrustDomain: "maybe" }),
      row({ caller: "spiffe://staging/ns/billing/sa/api" }),
      row({ crossTrustDomain: true }),
      row({ owner: undefined }),
      row({ expiresAt: "next tuesday" }),
    ]);
    expect(p.errors).toEqual([
      { row: 2, field: "service", message: 'unknown service "nope"' },
      { row: 3, field: "caller", message: "must not have a port in the trust domain" },
      { row: 3, field: "reason", message: "is required" },
      { row: 4, field: "method", message: "must be an HTTP method such as GET or POST, or * for any method" },
      { row: 4, field: "path", message: "must start with `/`" },
      { row: 5, field: "path", message: "payments has no endpoint POST /refunds/{id}/x; add it to the service first" },
      { row: 6, field: "expiresAt", message: "is not a real date" },
      { row: 6, field: "crossTrustDomain", message: "must be true or false" },
      {
        row: 7,
        field: "caller",
        message:
          "is in trust domain staging but payments is in prod; set crossTrustDomain to grant a caller from another trust domain explicitly",
      },
      { row: 8, field: "crossTrustDomain", message: "is set, but the caller is in payments's own trust domain (prod)" },
      { row: 9, field: "owner", message: "is required" },
      {
        row: 10,
        field: "expiresAt",
        message: "must be an ISO 8601 date-time with a zone, such as 2026-12-31T00:00:00Z, or empty for no expiry",
      },
    ]);
    expect(p.adds).toEqual([]);
  });

  it("refuses a grant listed twice and an expiry in the past or on a day that does not exist", () => {
    const p = plan([
      row(),
      row({ owner: "other" }),
      row({ caller: "spiffe://prod/ns/x", expiresAt: "2026-05-01T00:00:00Z" }),
      row({ caller: "spiffe://prod/ns/y", expiresAt: "2026-02-30" }),
    ]);
    expect(p.errors).toEqual([
      { row: 3, field: null, message: "grants the same caller, service, method and path as row 2" },
      { row: 4, field: "expiresAt", message: "is in the past (2026-05-01T00:00:00.000Z)" },
      { row: 5, field: "expiresAt", message: "is not a real date" },
    ]);
  });

  it("allows an explicit cross-trust-domain grant", () => {
    const p = plan([row({ caller: "spiffe://partner/ns/acme/*", crossTrustDomain: "true", expiresAt: "2026-12-31" })]);
    expect(p.errors).toEqual([]);
    expect(p.adds[0]!.spec).toMatchObject({ crossTrustDomain: true, expiresAt: new Date("2026-12-31T00:00:00Z") });
    expect(p.diff.lines).toEqual(["+ spiffe://partner/ns/acme/* → payments POST /refunds (until 2026-12-31T00:00Z)"]);
  });

  it("tells unchanged, changed and removed grants apart", () => {
    const existing = [
      stored(),
      stored({ id: "e2", caller: "spiffe://prod/ns/ops", expiresAt: new Date("2026-07-01T00:00:00Z") }),
      stored({ id: "e3", caller: "spiffe://prod/ns/old" }),
    ];
    const p = planChanges({
      catalog,
      existing,
      now,
      mode: "merge",
      upserts: [
        { row: 1, value: row() },
        { row: 2, value: row({ caller: "spiffe://prod/ns/ops", owner: "sre", expiresAt: "2026-08-01T00:00:00Z" }) },
      ],
      removals: [
        { row: 3, value: { service: "payments", method: "POST", path: "/refunds", caller: "spiffe://prod/ns/old" } },
      ],
    });
    expect(p.errors).toEqual([]);
    expect(p.unchanged).toHaveLength(1);
    expect(p.diff.lines).toEqual([
      "− spiffe://prod/ns/old → payments POST /refunds",
      "~ spiffe://prod/ns/ops → payments POST /refunds (until 2026-08-01T00:00Z): expiry 2026-07-01T00:00Z → 2026-08-01T00:00Z; owner billing → sre",
    ]);
    expect(p.diff.summary).toBe(
      "− spiffe://prod/ns/old → payments POST /refunds; ~ spiffe://prod/ns/ops → payments POST /refunds (until 2026-08-01T00:00Z): expiry 2026-07-01T00:00Z → 2026-08-01T00:00Z; owner billing → sre",
    );
  });

  it("re-imports an unchanged expired grant without complaint", () => {
    const expired = stored({ expiresAt: new Date("2026-05-01T00:00:00Z") });
    const p = plan([row({ expiresAt: "2026-05-01T00:00:00.000Z" })], { existing: [expired] });
    expect(p.errors).toEqual([]);
    expect(p.unchanged).toHaveLength(1);
  });

  it("in replace mode removes every grant the file does not list, and counts them in the summary", () => {
    const existing = [
      stored(),
      stored({ id: "e2", caller: "spiffe://prod/ns/a" }),
      stored({ id: "e3", caller: "spiffe://prod/ns/b" }),
    ];
    const p = plan([row(), row({ caller: "spiffe://prod/ns/new" })], { existing, mode: "replace" });
    expect(p.diff.summary).toBe("+ spiffe://prod/ns/new → payments POST /refunds; − 2 grants");
    expect(p.removes.map((r) => r.entry.id).sort()).toEqual(["e2", "e3"]);
  });

  it("refuses to remove a grant that does not exist or that the same change adds", () => {
    const p = planChanges({
      catalog,
      existing: [],
      now,
      mode: "merge",
      upserts: [{ row: 1, value: row() }],
      removals: [
        { row: 2, value: { service: "payments", method: "POST", path: "/refunds", caller: billing } },
        { row: 3, value: { service: "payments", method: "POST", path: "/refunds", caller: "spiffe://prod/ns/none" } },
      ],
    });
    expect(p.errors).toEqual([
      { row: 2, field: null, message: "removes a grant that row 1 adds or changes" },
      { row: 3, field: null, message: "no such grant exists" },
    ]);
  });

  it("gives the same plan hash for the same diff and a different one otherwise", () => {
    expect(plan([row()]).planHash).toBe(plan([row()]).planHash);
    expect(plan([row()]).planHash).not.toBe(plan([row({ caller: "spiffe://prod/ns/x" })]).planHash);
  });
});

describe("parseImportFile", () => {
  it("reads CSV rows with spreadsheet row numbers (header = row 1), quotes and formula guards", () => {
    const csv = [
      "service,method,path,caller,owner,reason,expires_at,cross_trust_domain",
      `payments,POST,/refunds,${billing},billing,"refunds, nightly",,false`,
      "",
      `payments,GET,/refunds/{id},${billing},billing,"multi`,
      `line reason",2026-12-31T00:00:00Z,`,
      `payments,GET,/refunds/{id},spiffe://prod/ns/x,'=ops,'-1 reason,,`,
    ].join("\n");
    const { rows, errors } = parseImportFile("csv", csv);
    expect(errors).toEqual([]);
    expect(rows.map((r) => r.row)).toEqual([2, 5, 6]);
    expect(rows[0]!.value).toMatchObject({ reason: "refunds, nightly", crossTrustDomain: "false", expiresAt: "" });
    expect(rows[1]!.value).toMatchObject({ reason: "multi\nline reason", expiresAt: "2026-12-31T00:00:00Z" });
    expect(rows[2]!.value).toMatchObject({ owner: "=ops", reason: "-1 reason" });
  });

  it("accepts columns in any order and without the optional ones", () => {
    const { rows } = parseImportFile(
      "csv",
      `caller,service,method,path,reason,owner\n${billing},payments,POST,/refunds,why,team\n`,
    );
    expect(rows[0]!.value).toMatchObject({
      caller: billing,
      service: "payments",
      owner: "team",
      reason: "why",
      expiresAt: undefined,
    });
  });

  it("refuses a wrong header, broken quoting and rows with extra cells", () => {
    const header = (text: string) => {
      try {
        parseImportFile("csv", text);
        return null;
      } catch (e) {
        return (e as AppError).message;
      }
    };
    expect(header("service,method,path,who,owner,reason\n")).toBe(
      'The CSV header is wrong: unknown column "who"; missing column caller. Expected service,method,path,caller,owner,reason,expires_at,cross_trust_domain',
    );
    expect(header("")).toBe("The CSV is empty; the first row must name the columns");
    expect(header('service,method,path,caller,owner,reason\npayments,"POST,/x\n')).toMatch(/^The CSV cannot be read/);
    const { errors } = parseImportFile(
      "csv",
      `service,method,path,caller,owner,reason\npayments,POST,/refunds,${billing},a,b,c\n`,
    );
    expect(errors).toEqual([{ row: 2, field: null, message: "has 7 cells but the header names 6 columns" }]);
  });

  it("reads JSON as exported or as a bare array, numbering entries from 1", () => {
    expect(parseImportFile("json", JSON.stringify({ entries: [row()] })).rows).toEqual([
      { row: 1, value: expect.objectContaining({ caller: billing }) },
    ]);
    const { rows, errors } = parseImportFile("json", JSON.stringify([row(), 42, row()]));
    expect(rows.map((r) => r.row)).toEqual([1, 3]);
    expect(errors).toEqual([
      { row: 2, field: null, message: "must be an object with service, method, path, caller, owner and reason" },
    ]);
    expect(() => parseImportFile("json", "{")).toThrow("The file is not valid JSON");
    expect(() => parseImportFile("json", '{"rows": []}')).toThrow('The JSON must be {"entries": [...]}');
  });

  it("refuses more than 20,000 rows with 413", () => {
    const many = JSON.stringify(Array.from({ length: 20_001 }, () => ({})));
    try {
      parseImportFile("json", many);
      expect.unreachable();
    } catch (e) {
      expect((e as AppError).status).toBe(413);
      expect((e as AppError).message).toBe("The import has 20,001 rows; the limit is 20,000 per import");
    }
  });
});
