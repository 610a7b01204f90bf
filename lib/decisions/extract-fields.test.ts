import { describe, expect, it } from "vitest";
import { extractAllowed, extractCaller, extractRevisions } from "@/lib/decisions/extract-fields";
import { parseEventTimestamp } from "@/lib/decisions/event-timestamp";
import { csvCell } from "@/lib/decisions/export-decisions";

describe("extractAllowed", () => {
  it.each([
    [true, true],
    [false, false],
    [{ allow: true, reason: "x" }, true],
    [{ allow: false }, false],
    [{ allowed: true, headers: {} }, true],
    [{ allowed: false }, false],
    [undefined, null],
    [null, null],
    [["violation"], null],
    [{ allow: "yes" }, null],
    [3, null],
  ])("%j → %j", (result, expected) => {
    expect(extractAllowed(result)).toBe(expected);
  });
});

describe("extractCaller", () => {
  const spiffe = "spiffe://prod.example.com/ns/billing/sa/api";
  it("reads input.caller (Verdict's authz policy)", () => {
    expect(extractCaller({ caller: spiffe, method: "GET" })).toBe(spiffe);
    expect(extractCaller({ caller: { spiffe_id: spiffe } })).toBe(spiffe);
  });

  it("reads Envoy ext_authz's source principal", () => {
    expect(extractCaller({ attributes: { source: { principal: spiffe }, request: { http: { method: "GET" } } } })).toBe(
      spiffe,
    );
  });

  it("reads the nearest peer's URI from x-forwarded-client-cert", () => {
    const xfcc =
      'By=spiffe://a/b;Hash=abc;URI=spiffe://edge/ns/ingress/sa/gw,By=spiffe://a/b;Hash=def;Subject="CN=x";URI=' +
      spiffe;
    expect(extractCaller({ attributes: { request: { http: { headers: { "x-forwarded-client-cert": xfcc } } } } })).toBe(
      spiffe,
    );
  });

  it("is null when the input names no caller", () => {
    expect(extractCaller({ method: "GET" })).toBeNull();
    expect(extractCaller(undefined)).toBeNull();
    expect(extractCaller({ caller: "" })).toBeNull();
  });
});

describe("extractRevisions", () => {
  it("lists bundle revisions by bundle name, plus the deprecated single revision", () => {
    expect(extractRevisions({ zeta: { revision: "z1" }, main: { revision: "r42" }, empty: {} }, undefined)).toEqual([
      "r42",
      "z1",
    ]);
    expect(extractRevisions(undefined, "legacy-7")).toEqual(["legacy-7"]);
  });
});

describe("parseEventTimestamp", () => {
  it("keeps microseconds of OPA's nanosecond timestamps, in UTC", () => {
    expect(parseEventTimestamp("2026-05-01T12:00:00.123456789Z")).toEqual({
      iso: "2026-05-01T12:00:00.123456Z",
      ms: Date.UTC(2026, 4, 1, 12, 0, 0, 123),
      day: "2026-05-01",
    });
    expect(parseEventTimestamp("2026-05-01T01:30:00+02:00")?.iso).toBe("2026-04-30T23:30:00.000000Z");
    expect(parseEventTimestamp("2026-05-01T12:00:00.5Z")?.iso).toBe("2026-05-01T12:00:00.500000Z");
  });

  it("agrees with Date on every day of four years around a leap day, in UTC and with offsets", () => {
    for (let t = Date.UTC(2023, 0, 1); t < Date.UTC(2027, 0, 1); t += 86_400_000 + 3_661_001) {
      const iso = new Date(t).toISOString();
      expect(parseEventTimestamp(iso.replace("Z", "999Z"))).toEqual({
        iso: iso.replace("Z", "999Z"),
        ms: t,
        day: iso.slice(0, 10),
      });
      const local = new Date(t + 5.5 * 3_600_000).toISOString().replace("Z", "+05:30");
      expect(parseEventTimestamp(local)?.iso).toBe(iso.replace("Z", "000Z"));
    }
    expect(parseEventTimestamp("2024-02-29T00:00:00Z")?.day).toBe("2024-02-29");
    expect(parseEventTimestamp("2000-02-29T00:00:00Z")?.day).toBe("2000-02-29");
  });

  it.each([
    "2026-02-30T00:00:00Z",
    "2023-02-29T00:00:00Z",
    "1900-02-29T00:00:00Z",
    "2026-04-31T00:00:00Z",
    "1969-12-31T23:59:59Z",
    "2026-05-01",
    "yesterday",
    "2026-05-01T24:00:00Z",
    "2026-05-01T12:00:00.1234567890Z",
    "2026-05-01T12:00:00+25:00",
  ])("rejects %s", (value) => {
    expect(parseEventTimestamp(value)).toBeNull();
  });
});

describe("csvCell", () => {
  it("quotes per RFC 4180 and defuses spreadsheet formulas", () => {
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell('say "hi", then go')).toBe('"say ""hi"", then go"');
    expect(csvCell('=HYPERLINK("http://evil")')).toBe('"\'=HYPERLINK(""http://evil"")"');
    expect(csvCell("@sum")).toBe("'@sum");
  });
});
