import { describe, expect, it } from "vitest";
import { MatchSyntaxError, SqlParams, matchConditionSql, parseMatchExpression } from "@/lib/decisions/match-expression";

function sql(source: string) {
  const params = new SqlParams();
  const text = parseMatchExpression(source)
    .map((c) => matchConditionSql(c, params))
    .join(" AND ");
  return { text, values: params.values };
}

describe("parseMatchExpression", () => {
  it("parses a comparison on a nested input field", () => {
    expect(parseMatchExpression('input.method = "DELETE"')).toEqual([
      { root: "input", path: ["method"], op: "=", value: "DELETE" },
    ]);
    expect(parseMatchExpression('input.attributes.request.http.method == "POST"')[0]).toMatchObject({
      path: ["attributes", "request", "http", "method"],
      op: "=",
    });
  });

  it("supports bracketed keys, array indexes, numbers, booleans, null and word operators", () => {
    expect(parseMatchExpression('input.headers["x-tenant"] startswith "acme" and input.roles[0] = "admin"')).toEqual([
      { root: "input", path: ["headers", "x-tenant"], op: "startswith", value: "acme" },
      { root: "input", path: ["roles", "0"], op: "=", value: "admin" },
    ]);
    expect(
      parseMatchExpression("input.amount >= 1000.5 && result.allow = false && input.x != null").map((c) => [
        c.op,
        c.value,
      ]),
    ).toEqual([
      [">=", 1000.5],
      ["=", false],
      ["!=", null],
    ]);
  });

  it("treats a bare path as an existence test", () => {
    expect(parseMatchExpression("result.reason")).toEqual([{ root: "result", path: ["reason"], op: "exists" }]);
  });

  it.each([
    ['method = "DELETE"', 'a condition starts with "input" or "result" at column 1'],
    ["input.method = DELETE", 'expected a JSON value (a "string", a number, true, false or null) at column 16'],
    ['input.method = "DELETE', "unterminated string at column 16"],
    ['input.method = "a" or input.x = 1', 'expected "and" or the end, found or at column 20'],
    ["input.", "expected a field name after . at column 7"],
    ["input[1.5]", 'expected a "quoted key" or an array index inside [ ] at column 7'],
    ['input.x = "a"; DROP TABLE decisions', 'unexpected ";" at column 14'],
    ["input.n startswith 3", "startswith needs a string at column 20"],
  ])("rejects %s", (source, message) => {
    expect(() => parseMatchExpression(source)).toThrow(
      new MatchSyntaxError(message.replace(/ at column \d+$/, ""), Number(/column (\d+)$/.exec(message)![1])),
    );
  });
});

describe("matchConditionSql", () => {
  it("passes paths and values as bind parameters, never as SQL text", () => {
    const { text, values } = sql(`input.method = "x' OR 1=1 --" and input["a'b"] startswith "%_"`);
    expect(text).toBe(
      "(d.input #> $1::text[]) = $2::jsonb AND (jsonb_typeof((d.input #> $3::text[])) = 'string' AND starts_with((d.input #>> $3::text[]), $4))",
    );
    expect(values).toEqual([["method"], JSON.stringify("x' OR 1=1 --"), ["a'b"], "%_"]);
  });

  it("compares only values of the same JSON type for ordering operators", () => {
    expect(sql("input.amount > 10")).toEqual({
      text: "(jsonb_typeof((d.input #> $1::text[])) = jsonb_typeof($2::jsonb) AND (d.input #> $1::text[]) > $2::jsonb)",
      values: [["amount"], "10"],
    });
  });
});
