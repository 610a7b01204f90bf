import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ZStatusReport } from "@/lib/agents/schemas";
import { statusRows, type Pending } from "@/lib/agents/record-agent-status";

// ── OPA's status document (docs/opa-protocol.md §4), as an agent produces it ──
const goTime = fc.oneof(
  fc.constant("0001-01-01T00:00:00Z"),
  fc
    .integer({ min: Date.parse("2020-01-01T00:00:00Z"), max: Date.parse("2030-01-01T00:00:00Z") })
    .chain((ms) =>
      fc
        .stringMatching(/^\d{0,9}$/)
        .map((frac) => `${new Date(ms).toISOString().slice(0, 19) + (frac ? `.${frac}` : "")}Z`),
    ),
);
const metrics = fc.dictionary(
  fc.constantFrom("timer_bundle_request_ns", "timer_rego_data_parse_ns", "timer_rego_module_compile_ns"),
  fc.nat(),
);
const failure = fc.record(
  {
    code: fc.constantFrom("bundle_error", "rego_compile_error"),
    message: fc.string({ maxLength: 200 }),
    http_code: fc.constantFrom(401, 403, 404, 500, 503),
    errors: fc.array(
      fc.record({
        code: fc.constant("rego_compile_error"),
        message: fc.string(),
        location: fc.record({ file: fc.string(), row: fc.nat(), col: fc.nat() }),
      }),
      { maxLength: 3 },
    ),
  },
  { requiredKeys: ["code", "message"] },
);
const bundleStatus = (name: string) =>
  fc
    .tuple(
      fc.record({
        name: fc.constant(name),
        active_revision: fc.stringMatching(/^r\d{1,4}$/),
        type: fc.constantFrom("snapshot", "delta"),
        size: fc.nat(),
        last_request: goTime,
        last_successful_request: goTime,
        last_successful_download: goTime,
        last_successful_activation: goTime,
        metrics,
      }),
      fc.option(failure, { nil: undefined }),
    )
    .map(([ok, failed]) => ({ ...ok, ...failed }));
const bundleName = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);
const pluginState = fc.record(
  { state: fc.constantFrom("OK", "NOT_READY", "ERROR", "WARN"), message: fc.option(fc.string(), { nil: undefined }) },
  { requiredKeys: ["state"] },
);
const opaStatus = fc.record(
  {
    labels: fc.record(
      {
        id: fc.uuid(),
        version: fc.constant("1.22.2"),
        instance: fc.string({ minLength: 1, maxLength: 40 }),
        app: fc.string({ maxLength: 20 }),
      },
      { requiredKeys: ["id", "version"] },
    ),
    bundles: fc
      .uniqueArray(bundleName, { maxLength: 3 })
      .chain((names) =>
        fc.tuple(...names.map(bundleStatus)).map((list) => Object.fromEntries(list.map((b) => [b.name, b]))),
      ),
    decision_logs: fc.option(
      fc.record({
        code: fc.constant("decision_log_error"),
        message: fc.string(),
        http_code: fc.constant(500),
        metrics,
      }),
      { nil: undefined },
    ),
    plugins: fc.dictionary(fc.constantFrom("bundle", "decision_logs", "status", "discovery"), pluginState),
    metrics: fc.option(fc.record({ prometheus: fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }) }), {
      nil: undefined,
    }),
  },
  { requiredKeys: ["labels"] },
);

const pending = (report: ReturnType<typeof ZStatusReport.parse>, i: number): Pending => ({
  identity: `agent-${i}`,
  identitySource: "label",
  credentialId: "6f1c1e8e-2f57-4f43-9d1a-3b1a5f0f9c11",
  report,
  receivedAt: new Date(Date.UTC(2026, 4, 1)),
});

/** What PostgreSQL needs from the rows one flush writes: a time it can read, an int4 http_code, no NUL. */
function expectStorable(rows: { agents: string; bundles: string }): void {
  for (const text of [rows.agents, rows.bundles]) {
    expect(text).not.toMatch(/(?<!\\)(\\\\)*\\u(0000|d[89a-f])/);
    JSON.parse(text);
  }
  for (const b of JSON.parse(rows.bundles) as Array<Record<string, unknown>>) {
    for (const t of [b.last_request, b.last_successful_activation]) {
      if (t !== null) expect(t).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    }
    if (b.http_code !== null)
      expect(Number.isInteger(b.http_code) && (b.http_code as number) >= 0 && (b.http_code as number) <= 999).toBe(
        true,
      );
  }
}

describe("agent status documents (property-based)", () => {
  it("accepts every status document OPA sends and keeps what the fleet view reads", () => {
    fc.assert(
      fc.property(opaStatus, (doc) => {
        const parsed = ZStatusReport.safeParse(JSON.parse(JSON.stringify(doc)));
        expect(parsed.success).toBe(true);
        const report = parsed.data!;
        expect(report.labels).toEqual(doc.labels);
        expect(Object.keys(report.bundles ?? {})).toEqual(Object.keys(doc.bundles ?? {}));
        const rows = statusRows([pending(report, 0)]);
        expectStorable(rows);
        const stored = JSON.parse(rows.bundles) as Array<{
          bundle_name: string;
          active_revision: string;
          http_code: number | null;
        }>;
        expect(stored.map((b) => [b.bundle_name, b.active_revision, b.http_code])).toEqual(
          Object.values(doc.bundles ?? {}).map((b) => [b.name, b.active_revision, b.http_code ?? null]),
        );
      }),
      { numRuns: 200 },
    );
  });

  it("answers arbitrary JSON with a parsed report or issues, never an exception, and what it accepts can be stored", () => {
    const mutated = opaStatus.chain((doc) =>
      fc
        .record({
          path: fc.constantFrom(["labels"], ["labels", "id"], ["bundles"], ["plugins"], ["decision_logs"], ["x"]),
          value: fc.oneof(
            fc.jsonValue(),
            fc.constantFrom(3_000_000_000, -1, 1e300, "0000-01-01T00:00:00Z", "\u0000", "\ud800"),
          ),
        })
        .map(({ path, value }) => {
          const copy = JSON.parse(JSON.stringify(doc)) as Record<string, Record<string, unknown>>;
          if (path.length === 1) (copy as Record<string, unknown>)[path[0]!] = value;
          else copy[path[0]!] = { ...copy[path[0]!], [path[1]!]: value };
          return copy;
        }),
    );
    const hostileBundle = fc.record(
      {
        name: fc.string(),
        active_revision: fc.string(),
        http_code: fc.oneof(fc.integer(), fc.constantFrom(3_000_000_000, -2_147_483_649, Number.MAX_SAFE_INTEGER)),
        last_request: fc.oneof(
          fc.string(),
          fc.constantFrom(
            "0000-01-01T00:00:00Z",
            "+275760-09-13T00:00:00Z",
            "Tue, 01 Jan 2026 00:00:00 GMT",
            "2026-02-30T00:00:00Z",
          ),
        ),
        last_successful_activation: fc.string(),
        message: fc.string({ unit: fc.constantFrom("a", "\u0000", "\ud800", "\\") }),
      },
      { requiredKeys: [] },
    );
    const withHostileBundle = fc.tuple(fc.uuid(), hostileBundle).map(([id, b]) => ({ labels: { id }, bundles: { b } }));
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), mutated, withHostileBundle), (value) => {
        const parsed = ZStatusReport.safeParse(value);
        if (!parsed.success) {
          expect(parsed.error.issues.length).toBeGreaterThan(0);
          return;
        }
        expectStorable(statusRows([pending(parsed.data, 0), pending(parsed.data, 1)]));
      }),
      { numRuns: 500 },
    );
  });
});
