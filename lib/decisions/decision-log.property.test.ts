import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/core/errors";
import { MAX_JSON_DEPTH } from "@/lib/core/json-depth";
import { readLogBody } from "@/lib/decisions/read-log-body";
import { buildDecisionRows, parseBatch, type BuildOptions } from "@/lib/decisions/build-decision-rows";
import { isCertainlyValidEvent } from "@/lib/decisions/decision-event-check";
import { ZDecisionEvent } from "@/lib/decisions/schemas";
import { DECISION_COPY_COLUMNS } from "@/lib/decisions/copy-format";
import { parseEventTimestamp } from "@/lib/decisions/event-timestamp";
import { logUploadRequest } from "@/test/factories/decisions";

const LIMITS = { maxCompressedBytes: 256 * 1024, maxDecompressedBytes: 1024 * 1024 };
const NOW = Date.parse("2026-05-01T12:00:00Z");
const OPTIONS: BuildOptions = {
  agent: {
    credentialId: "6f1c1e8e-2f57-4f43-9d1a-3b1a5f0f9c11",
    identify: (labels) => labels.instance ?? `id:${labels.id}`,
  },
  now: NOW,
  oldestDay: "2026-04-01",
  maxFutureMs: 24 * 3600_000,
  maxEventBytes: 64 * 1024,
  isPublished: (ref) => ref.revision.startsWith("r"),
};

/** Resolves to the value, or to the error, which must be a 4xx AppError. */
async function outcome<T>(run: () => Promise<T> | T): Promise<T | AppError> {
  try {
    return await run();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBeGreaterThanOrEqual(400);
    expect((error as AppError).status).toBeLessThan(500);
    return error as AppError;
  }
}

/** A body delivered in arbitrary chunks, as a socket would. */
function chunkedRequest(bytes: Buffer, cuts: number[]): Request {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let last = 0;
  for (const p of [...points, bytes.length]) {
    if (p > last) chunks.push(bytes.subarray(last, p));
    last = Math.max(last, p);
  }
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      for (const chunk of chunks) c.enqueue(new Uint8Array(chunk));
      c.close();
    },
  });
  return logUploadRequest(stream);
}

// ── OPA EventV1, as an agent produces it ──
const isoTime = fc
  .integer({ min: Date.parse("2026-04-02T00:00:00Z"), max: NOW + 3600_000 })
  .chain((ms) =>
    fc
      .stringMatching(/^\d{0,9}$/)
      .map((frac) => `${new Date(ms).toISOString().slice(0, 19) + (frac ? `.${frac}` : "")}Z`),
  );
const label = fc.string({ minLength: 1, maxLength: 20 });
const spiffe = fc
  .tuple(fc.stringMatching(/^[a-z0-9.-]{1,20}$/), fc.stringMatching(/^[a-z0-9-]{1,12}$/))
  .map(([td, sa]) => `spiffe://${td}/ns/x/sa/${sa}`);
const opaEvent = fc.record(
  {
    labels: fc.record({ id: fc.uuid(), version: fc.constant("1.22.2"), instance: label }),
    decision_id: fc.uuid(),
    timestamp: isoTime,
    path: fc.option(fc.stringMatching(/^[a-z][a-z0-9_/]{0,30}$/), { nil: undefined }),
    input: fc.option(
      fc.record({ caller: spiffe, method: fc.constantFrom("GET", "POST", "DELETE"), path: fc.string() }),
      { nil: undefined },
    ),
    result: fc.option(fc.oneof(fc.boolean(), fc.record({ allow: fc.boolean(), reason: fc.string() }), fc.jsonValue()), {
      nil: undefined,
    }),
    bundles: fc.option(
      fc.dictionary(
        fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/),
        fc.record({ revision: fc.stringMatching(/^[a-z0-9]{1,8}$/) }),
        { maxKeys: 3 },
      ),
      { nil: undefined },
    ),
    requested_by: fc.option(fc.constant("127.0.0.1:54321"), { nil: undefined }),
    req_id: fc.option(fc.nat(), { nil: undefined }),
    metrics: fc.option(fc.record({ timer_rego_query_eval_ns: fc.nat() }), { nil: undefined }),
    trace_id: fc.option(fc.stringMatching(/^[0-9a-f]{32}$/), { nil: undefined }),
  },
  { requiredKeys: ["labels", "decision_id", "timestamp"] },
);

describe("decision-log bodies (property-based)", () => {
  it("inflates any valid gzip body exactly, however the bytes are chunked", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), fc.array(fc.nat(), { maxLength: 8 }), async (raw, cuts) => {
        const body = await readLogBody(chunkedRequest(gzipSync(raw), cuts), LIMITS);
        expect(Buffer.compare(body, Buffer.from(raw))).toBe(0);
      }),
      { numRuns: 100 },
    );
  });

  it("answers arbitrary bytes sent as gzip with the bytes or a 4xx, never a crash", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 2048 }),
          fc.uint8Array({ maxLength: 2048 }).map((b) => Uint8Array.from([0x1f, 0x8b, 8, ...b])),
        ),
        fc.array(fc.nat(), { maxLength: 4 }),
        async (bytes, cuts) => {
          await outcome(() => readLogBody(chunkedRequest(Buffer.from(bytes), cuts), LIMITS));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("refuses every truncation of a gzip body with 400", async () => {
    const full = gzipSync(JSON.stringify([{ decision_id: "x", pad: "y".repeat(300) }]));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: full.length - 1 }), async (length) => {
        const result = await outcome(() => readLogBody(logUploadRequest(full.subarray(0, length)), LIMITS));
        expect(result).toBeInstanceOf(AppError);
        expect((result as AppError).status).toBe(400);
      }),
      { numRuns: 100 },
    );
  });

  it("never returns altered content from a corrupted gzip body: the original bytes or a 4xx", async () => {
    const original = Buffer.from(JSON.stringify([{ decision_id: "x", input: { a: "b".repeat(200) } }]));
    const full = gzipSync(original);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: full.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, xor) => {
        const corrupt = Buffer.from(full);
        corrupt[at] = corrupt[at]! ^ xor;
        const result = await outcome(() => readLogBody(logUploadRequest(corrupt), LIMITS));
        // Header fields such as mtime or OS are not covered by the CRC; the content always is.
        if (!(result instanceof AppError)) expect(Buffer.compare(result, original)).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});

describe("decision-log batches (property-based)", () => {
  it("parses arbitrary bytes into an array or refuses them with 400", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
          fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? "")),
          fc.string().map((s) => Buffer.from(s)),
        ),
        (body) => {
          try {
            expect(Array.isArray(parseBatch(body).events)).toBe(true);
          } catch (error) {
            expect(error).toBeInstanceOf(AppError);
            expect((error as AppError).status).toBe(400);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("builds rows from arbitrary JSON arrays or refuses them with a 4xx, never a crash", async () => {
    const eventLike = fc.oneof(
      fc.jsonValue(),
      opaEvent.chain((e) =>
        fc
          .record({
            key: fc.constantFrom(
              "labels",
              "timestamp",
              "decision_id",
              "bundles",
              "metrics",
              "path",
              "req_id",
              "__proto__",
              "constructor",
            ),
            value: fc.jsonValue(),
          })
          .map(({ key, value }) => ({ ...e, [key]: value })),
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(eventLike, { maxLength: 5 }), async (events) => {
        // Through the same steps as the endpoint: bytes → parse → build.
        await outcome(() => buildDecisionRows(parseBatch(Buffer.from(JSON.stringify(events))), OPTIONS));
      }),
      { numRuns: 300 },
    );
  });

  it("refuses JSON nested deeper than a row can be serialised with 400, not a crash", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.integer({ min: 1, max: 100_000 }),
          fc.integer({ min: MAX_JSON_DEPTH - 5, max: MAX_JSON_DEPTH + 5 }),
        ),
        fc.constantFrom("[", '{"a":'),
        async (depth, open) => {
          const close = open === "[" ? "]" : "}";
          const text = `[{"decision_id":"d","timestamp":"2026-05-01T11:00:00Z","labels":{"id":"x"},"input":${open.repeat(depth)}1${close.repeat(depth)}}]`;
          const result = await outcome(() => buildDecisionRows(parseBatch(Buffer.from(text)), OPTIONS));
          // The batch array and the event object are two levels of their own.
          expect(result instanceof AppError ? result.status : "stored").toBe(
            depth + 2 > MAX_JSON_DEPTH ? 400 : "stored",
          );
        },
      ),
      { numRuns: 40 },
    );
  });

  it("builds one row per valid OPA event, with the extracted fields matching the event", () => {
    fc.assert(
      fc.property(fc.array(opaEvent, { minLength: 1, maxLength: 10 }), (events) => {
        const built = buildDecisionRows(parseBatch(Buffer.from(JSON.stringify(events))), OPTIONS);
        expect(built.expired).toBe(0);
        expect(built.rows).toHaveLength(events.length);
        built.rows.forEach((columns, i) => {
          const row = decodeCopyLine(columns.copyLine);
          expect(row).toMatchObject({
            decision_id: columns.decisionId,
            path: columns.path,
            allowed: columns.allowed,
            caller: columns.caller,
            agent: columns.agent,
            revisions: columns.revisions,
          });
          const event = events[i]!;
          const ts = parseEventTimestamp(event.timestamp)!;
          expect(row.timestamp).toBe(ts.iso);
          expect(built.days.has(ts.day)).toBe(true);
          expect(row.decision_id).toBe(event.decision_id);
          expect(row.path).toBe(event.path ?? null);
          expect(row.agent).toBe(event.labels.instance.slice(0, 256));
          expect(row.credential_id).toBe(OPTIONS.agent.credentialId);
          expect(row.caller).toBe(event.input?.caller ?? null);
          const r = event.result as unknown;
          const allow =
            typeof r === "boolean"
              ? r
              : r && typeof r === "object" && !Array.isArray(r) && typeof (r as { allow?: unknown }).allow === "boolean"
                ? (r as { allow: boolean }).allow
                : r &&
                    typeof r === "object" &&
                    !Array.isArray(r) &&
                    typeof (r as { allowed?: unknown }).allowed === "boolean"
                  ? (r as { allowed: boolean }).allowed
                  : null;
          expect(row.allowed).toBe(allow);
          const revisions = Object.keys(event.bundles ?? {})
            .sort()
            .map((b) => event.bundles![b]!.revision);
          expect(row.revisions).toEqual(revisions);
          expect(row.unpublished).toBe(revisions.length === 0 || revisions.some((rev) => !rev.startsWith("r")));
          expect(row.input).toEqual(event.input ?? null);
          expect(row.result).toEqual(event.result === undefined ? null : JSON.parse(JSON.stringify(event.result)));
          expect(row.labels).toEqual(event.labels);
          expect(row.extra).toEqual(
            event.trace_id || event.requested_by || event.req_id !== undefined
              ? expect.objectContaining({
                  ...(event.trace_id ? { trace_id: event.trace_id } : {}),
                  ...(event.requested_by ? { requested_by: event.requested_by } : {}),
                })
              : null,
          );
        });
      }),
      { numRuns: 200 },
    );
  });
});

describe("the fast event check (property-based)", () => {
  it("never accepts an event ZDecisionEvent refuses, and accepts OPA's events without asking zod", () => {
    const boundaries = fc.constantFrom(...[0, 64, 65, 256, 257, 1024, 1025].map((n) => "x".repeat(n)));
    const bundleMap = fc.dictionary(boundaries, fc.record({ revision: boundaries }, { requiredKeys: [] }), {
      minKeys: 1,
      maxKeys: 2,
    });
    const anyValue = fc.oneof(
      fc.jsonValue(),
      fc.constant(null),
      boundaries,
      bundleMap,
      fc.array(fc.oneof(fc.string(), fc.jsonValue()), { maxLength: 3 }),
      fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.jsonValue())),
    );
    const field = fc.constantFrom(
      "labels",
      "timestamp",
      "decision_id",
      "bundles",
      "metrics",
      "path",
      "req_id",
      "revision",
      "requested_by",
      "erased",
      "masked",
      "query",
      "error",
      "__proto__",
    );
    const mutated = opaEvent.chain((e) =>
      fc.array(fc.record({ key: field, value: anyValue }), { maxLength: 3 }).map((changes) => {
        const copy: Record<string, unknown> = JSON.parse(JSON.stringify(e));
        for (const { key, value } of changes) copy[key] = value;
        return JSON.parse(JSON.stringify(copy)) as unknown;
      }),
    );
    fc.assert(
      fc.property(fc.oneof(mutated, fc.jsonValue()), (event) => {
        if (isCertainlyValidEvent(event)) expect(ZDecisionEvent.safeParse(event).success).toBe(true);
      }),
      { numRuns: 8_000 },
    );
    fc.assert(
      fc.property(opaEvent, (event) => {
        expect(isCertainlyValidEvent(JSON.parse(JSON.stringify(event)))).toBe(true);
      }),
      { numRuns: 300 },
    );
  }, 60_000);
});

describe("documents stored as uploaded (property-based)", () => {
  it("gives the same rows as serialising the parsed events, whatever the whitespace, duplicate members or escaped member names", () => {
    const formatting = fc.record({
      indent: fc.constantFrom(undefined, 2, "\t"),
      shadowResult: fc.boolean(),
      escapeInput: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(opaEvent, { minLength: 1, maxLength: 6 }), formatting, (events, f) => {
        let text = `[${events
          .map((e) => {
            const member = JSON.stringify(e, null, f.indent);
            // A member given twice: JSON.parse and jsonb both keep the last one.
            return f.shadowResult ? `{"result": "shadowed",${member.slice(1)}` : member;
          })
          .join(",\n")}]`;
        if (f.escapeInput) text = text.replaceAll('"input":', '"\\u0069nput":');
        const uploaded = buildDecisionRows(parseBatch(Buffer.from(text)), OPTIONS);
        const reference = buildDecisionRows({ events: JSON.parse(text) }, OPTIONS);
        expect(uploaded.rows.map((r) => decodeCopyLine(r.copyLine))).toEqual(
          reference.rows.map((r) => decodeCopyLine(r.copyLine)),
        );
      }),
      { numRuns: 300 },
    );
  });
});

/** The columns of one COPY text line, decoded as PostgreSQL would (jsonb columns parsed, text[] split). */
function decodeCopyLine(line: string): Record<string, any> {
  expect(line.endsWith("\n")).toBe(true);
  const fields = line.slice(0, -1).split("\t");
  expect(fields).toHaveLength(DECISION_COPY_COLUMNS.length);
  const unescapeField = (f: string) =>
    f === "\\N" ? null : f.replace(/\\(.)/g, (_, c: string) => ({ n: "\n", r: "\r", t: "\t" })[c] ?? c);
  const row: Record<string, any> = {};
  DECISION_COPY_COLUMNS.forEach((column, i) => {
    const value = unescapeField(fields[i]!);
    if (["bundles", "input", "result", "labels", "metrics", "extra"].includes(column))
      row[column] = value === null ? null : JSON.parse(value);
    else if (column === "allowed" || column === "unpublished") row[column] = value === null ? null : value === "t";
    else if (column === "revisions")
      row[column] = [...value!.matchAll(/"((?:[^"\\\\]|\\\\.)*)"/g)].map((m) => m[1]!.replace(/\\\\(.)/g, "$1"));
    else row[column] = value;
  });
  return row;
}
