import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/core/errors";
import { parseImportFile } from "@/lib/allowlists/import-file";
import { serializeAllowlistExport, type ExportedEntry } from "@/lib/allowlists/export-allowlists";
import { planChanges, type Catalog, type StoredEntry } from "@/lib/allowlists/change-plan";
import { endpointKey } from "@/lib/allowlists/path-pattern";

const NOW = new Date("2026-05-01T12:00:00Z");

/** parseImportFile either returns rows and row errors or throws a 4xx AppError that names the row. */
function parseOutcome(format: "csv" | "json", text: string) {
  try {
    const parsed = parseImportFile(format, text);
    for (const r of [...parsed.rows, ...parsed.errors]) expect(r.row).toBeGreaterThanOrEqual(1);
    return parsed;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBeGreaterThanOrEqual(400);
    expect((error as AppError).status).toBeLessThan(500);
    return error as AppError;
  }
}

// Free text as people write it in owner and reason: separators, quotes, line breaks, and the
// characters a spreadsheet would treat as a formula (which the export guards with a leading ').
const freeText = fc
  .string({
    unit: fc.constantFrom("a", "Z", " ", ",", ";", '"', "'", "=", "+", "-", "@", "\t", "\r", "\n", "é", "😀", "\\"),
    minLength: 1,
    maxLength: 30,
  })
  .map((s) => s.trim())
  .filter((s) => s.length > 0);
const segment = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,7}$/);
const path = fc
  .tuple(fc.array(segment, { minLength: 1, maxLength: 3 }), fc.constantFrom("", "/*", "/{id}", "/"))
  .map(([s, tail]) => `/${s.join("/")}${tail}`);
const trustDomains = ["prod.example.com", "partner.example.org"];

/** A catalog and grants that are valid in it, with distinct (service, method, path, caller) keys. */
const scenario = fc
  .record({
    services: fc.uniqueArray(
      fc.record({
        name: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/),
        trustDomain: fc.constantFrom(...trustDomains),
        endpoints: fc.uniqueArray(fc.tuple(fc.constantFrom("GET", "POST", "DELETE", "*"), path), {
          minLength: 1,
          maxLength: 3,
          selector: ([m, p]) => endpointKey(m, p),
        }),
      }),
      { minLength: 1, maxLength: 3, selector: (s) => s.name },
    ),
  })
  .chain(({ services }) => {
    const catalog: Catalog = new Map(
      services.map((s, i) => [
        s.name,
        {
          id: `svc-${i}`,
          name: s.name,
          trustDomain: s.trustDomain,
          endpoints: new Map(
            s.endpoints.map(([method, p], j) => [endpointKey(method, p), { id: `ep-${i}-${j}`, method, path: p }]),
          ),
        },
      ]),
    );
    const grant = fc
      .record({
        service: fc.constantFrom(...services),
        endpoint: fc.nat(),
        callerTd: fc.constantFrom(...trustDomains),
        callerPath: fc.oneof(
          fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => `/${s.join("/")}`),
          fc.array(segment, { maxLength: 2 }).map((s) => `${s.map((x) => `/${x}`).join("")}/*`),
        ),
        owner: freeText,
        reason: freeText,
        expiresAt: fc.option(
          fc
            .integer({ min: Date.parse("2020-01-01T00:00:00Z"), max: Date.parse("2030-01-01T00:00:00Z") })
            .map((ms) => new Date(ms)),
          { nil: null },
        ),
      })
      .map((g): StoredEntry => {
        const [method, p] = g.service.endpoints[g.endpoint % g.service.endpoints.length]!;
        const svc = catalog.get(g.service.name)!;
        return {
          id: "",
          endpointId: svc.endpoints.get(endpointKey(method, p))!.id,
          service: g.service.name,
          method,
          path: p,
          caller: `spiffe://${g.callerTd}${g.callerPath}`,
          owner: g.owner,
          reason: g.reason,
          expiresAt: g.expiresAt,
          crossTrustDomain: g.callerTd !== g.service.trustDomain,
        };
      });
    const entries = fc
      .uniqueArray(grant, { maxLength: 12, selector: (e) => `${e.service} ${e.method} ${e.path} ${e.caller}` })
      .map((list) => list.map((e, i) => ({ ...e, id: `entry-${i}` })));
    return fc.record({ catalog: fc.constant(catalog), entries });
  });

const exported = (e: StoredEntry): ExportedEntry => ({
  service: e.service,
  method: e.method,
  path: e.path,
  caller: e.caller,
  owner: e.owner,
  reason: e.reason,
  expiresAt: e.expiresAt?.toISOString() ?? null,
  crossTrustDomain: e.crossTrustDomain,
});

describe("allowlist imports (property-based)", () => {
  it("reads arbitrary text as rows and row errors, or refuses it with a 4xx naming a row — never a crash", () => {
    const csvish = fc.string({
      unit: fc.constantFrom(
        "a",
        ",",
        '"',
        "\n",
        "\r",
        " ",
        "service",
        "method",
        "path",
        "caller",
        "owner",
        "reason",
        "\uFEFF",
        "'=",
        "expires_at",
      ),
      maxLength: 200,
    });
    const withHeader = csvish.map(
      (rest) => `service,method,path,caller,owner,reason,expires_at,cross_trust_domain\n${rest}`,
    );
    fc.assert(
      fc.property(fc.oneof(fc.string(), csvish, withHeader), (text) => {
        parseOutcome("csv", text);
      }),
      { numRuns: 500 },
    );
    const jsonish = fc.oneof(
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.array(fc.jsonValue()).map((entries) => JSON.stringify({ entries })),
    );
    fc.assert(
      fc.property(jsonish, (text) => {
        parseOutcome("json", text);
      }),
      { numRuns: 500 },
    );
  });

  it("plans arbitrary imported rows into changes and row errors, never a crash", () => {
    fc.assert(
      fc.property(
        scenario,
        fc.constantFrom<"csv" | "json">("csv", "json"),
        fc.array(
          fc.dictionary(
            fc.constantFrom("service", "method", "path", "caller", "owner", "reason", "expiresAt", "crossTrustDomain"),
            fc.oneof(fc.string(), fc.jsonValue()),
          ),
          { maxLength: 5 },
        ),
        ({ catalog, entries }, format, junk) => {
          const text =
            format === "json"
              ? JSON.stringify(junk)
              : serializeAllowlistExport(
                  junk.map(
                    (j) =>
                      Object.fromEntries(
                        Object.entries(j).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
                      ) as unknown as ExportedEntry,
                  ),
                  "csv",
                );
          const parsed = parseOutcome(format, text);
          if (parsed instanceof AppError) return;
          const plan = planChanges({
            catalog,
            existing: entries,
            upserts: parsed.rows,
            removals: [],
            mode: "merge",
            now: NOW,
          });
          expect(
            plan.adds.length +
              plan.updates.length +
              plan.unchanged.length +
              new Set(plan.errors.map((e) => e.row)).size,
          ).toBeGreaterThanOrEqual(parsed.rows.length);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("round-trips: importing an export (CSV or JSON) gives back exactly the same grants", () => {
    fc.assert(
      fc.property(scenario, fc.constantFrom<"csv" | "json">("csv", "json"), ({ catalog, entries }, format) => {
        const text = serializeAllowlistExport(entries.map(exported), format, NOW);
        const parsed = parseImportFile(format, text);
        expect(parsed.errors).toEqual([]);
        const plan = planChanges({
          catalog,
          existing: entries,
          upserts: parsed.rows,
          removals: [],
          mode: "replace",
          now: NOW,
        });
        expect(plan.errors).toEqual([]);
        expect({
          added: plan.diff.added,
          removed: plan.diff.removed,
          changed: plan.diff.changed,
          unchanged: plan.diff.unchanged,
        }).toEqual({ added: 0, removed: 0, changed: 0, unchanged: entries.length });
        // And into an empty allowlist, the same grants field by field.
        const fresh = planChanges({
          catalog,
          existing: [],
          upserts: parsed.rows,
          removals: [],
          mode: "merge",
          now: new Date("2019-01-01T00:00:00Z"),
        });
        expect(fresh.errors).toEqual([]);
        const strip = ({ id: _id, endpointId: _e, ...rest }: StoredEntry) => rest;
        expect(fresh.adds.map((a) => a.spec)).toEqual(entries.map(strip));
      }),
      { numRuns: 200 },
    );
  });
});
