// The decisions page's free JSON-path filter: `input.method = "DELETE"`,
// `input.attributes.request.http.headers["x-tenant"] startswith "acme"`, `result.reason`,
// joined with `and`. It is parsed here into a small AST and turned into a parameterised JSONB
// condition by toSql(): paths and values always travel as bind parameters, never as SQL text.

export type MatchOperator = "=" | "!=" | "<" | "<=" | ">" | ">=" | "startswith" | "contains" | "exists";
export type MatchCondition = {
  root: "input" | "result";
  path: string[];
  op: MatchOperator;
  value?: string | number | boolean | null;
};

export class MatchSyntaxError extends Error {
  constructor(
    message: string,
    readonly column: number,
  ) {
    super(`${message} at column ${column}`);
    this.name = "MatchSyntaxError";
  }
}

const MAX_CONDITIONS = 8;
const MAX_DEPTH = 16;
const WORD_OPS = new Set(["startswith", "contains"]);

type Token = { kind: "word" | "string" | "number" | "punct" | "op"; text: string; value?: unknown; at: number };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const at = i + 1;
    if (ch === '"') {
      let j = i + 1;
      while (j < source.length && source[j] !== '"') j += source[j] === "\\" ? 2 : 1;
      if (j >= source.length) throw new MatchSyntaxError("unterminated string", at);
      const text = source.slice(i, j + 1);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw new MatchSyntaxError("invalid string escape", at);
      }
      tokens.push({ kind: "string", text, value, at });
      i = j + 1;
    } else if (/[-\d]/.test(ch) && /^-?\d/.test(source.slice(i, i + 2))) {
      const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(source.slice(i))!;
      tokens.push({ kind: "number", text: m[0], value: Number(m[0]), at });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(source.slice(i))!;
      tokens.push({ kind: "word", text: m[0], at });
      i += m[0].length;
    } else if (/[=!<>&]/.test(ch)) {
      const m = /^(==|=|!=|<=|>=|<|>|&&)/.exec(source.slice(i));
      if (!m) throw new MatchSyntaxError(`unexpected "${ch}"`, at);
      tokens.push({ kind: "op", text: m[0], at });
      i += m[0].length;
    } else if (ch === "." || ch === "[" || ch === "]") {
      tokens.push({ kind: "punct", text: ch, at });
      i++;
    } else {
      throw new MatchSyntaxError(`unexpected "${ch}"`, at);
    }
  }
  return tokens;
}

/** Parses a match expression; throws MatchSyntaxError with the column of the problem. */
export function parseMatchExpression(source: string): MatchCondition[] {
  const tokens = tokenize(source);
  let pos = 0;
  const peek = () => tokens[pos];
  const end = source.length + 1;
  const conditions: MatchCondition[] = [];
  for (;;) {
    conditions.push(parseCondition());
    const next = peek();
    if (!next) break;
    if ((next.kind === "word" && next.text.toLowerCase() === "and") || next.text === "&&") {
      pos++;
      continue;
    }
    throw new MatchSyntaxError(`expected "and" or the end, found ${next.text}`, next.at);
  }
  if (conditions.length > MAX_CONDITIONS)
    throw new MatchSyntaxError(`at most ${MAX_CONDITIONS} conditions are allowed`, 1);
  return conditions;

  function parseCondition(): MatchCondition {
    const first = peek();
    if (first?.kind !== "word" || (first.text !== "input" && first.text !== "result")) {
      throw new MatchSyntaxError('a condition starts with "input" or "result"', first?.at ?? end);
    }
    pos++;
    const path = parsePath();
    const opToken = peek();
    const isOp =
      opToken &&
      (opToken.kind === "op"
        ? opToken.text !== "&&"
        : opToken.kind === "word" && WORD_OPS.has(opToken.text.toLowerCase()));
    if (!isOp) return { root: first.text as "input" | "result", path, op: "exists" };
    pos++;
    const op = (opToken.text === "==" ? "=" : opToken.text.toLowerCase()) as MatchOperator;
    const literal = peek();
    if (!literal) throw new MatchSyntaxError("expected a value", end);
    pos++;
    let value: string | number | boolean | null;
    if (literal.kind === "string" || literal.kind === "number") value = literal.value as string | number;
    else if (literal.kind === "word" && ["true", "false", "null"].includes(literal.text))
      value = JSON.parse(literal.text) as boolean | null;
    else throw new MatchSyntaxError('expected a JSON value (a "string", a number, true, false or null)', literal.at);
    if ((op === "startswith" || op === "contains") && typeof value !== "string")
      throw new MatchSyntaxError(`${op} needs a string`, literal.at);
    if (typeof value === "string" && value.length > 500)
      throw new MatchSyntaxError("the value is too long", literal.at);
    return { root: first.text as "input" | "result", path, op, value };
  }

  function parsePath(): string[] {
    const path: string[] = [];
    for (let t = peek(); t && t.kind === "punct"; t = peek()) {
      if (t.text === ".") {
        const name = tokens[pos + 1];
        if (name?.kind !== "word") throw new MatchSyntaxError("expected a field name after .", name?.at ?? end);
        path.push(name.text);
        pos += 2;
      } else if (t.text === "[") {
        const key = tokens[pos + 1];
        const close = tokens[pos + 2];
        if (
          !key ||
          (key.kind !== "string" &&
            !(key.kind === "number" && Number.isInteger(key.value) && (key.value as number) >= 0))
        ) {
          throw new MatchSyntaxError('expected a "quoted key" or an array index inside [ ]', key?.at ?? end);
        }
        if (close?.text !== "]") throw new MatchSyntaxError("expected ]", close?.at ?? end);
        path.push(String(key.value));
        pos += 3;
      } else {
        throw new MatchSyntaxError(`unexpected ${t.text}`, t.at);
      }
      if (path.length > MAX_DEPTH) throw new MatchSyntaxError(`paths are limited to ${MAX_DEPTH} steps`, t.at);
    }
    return path;
  }
}

/** Collects bind parameters for a raw SQL statement ($1, $2, …). */
export class SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** The SQL condition for one parsed condition, against the columns of the `decisions` table aliased as d. */
export function matchConditionSql(c: MatchCondition, params: SqlParams): string {
  const column = c.root === "input" ? "d.input" : "d.result";
  const path = c.path.length === 0 ? null : params.add(c.path);
  const target = path ? `(${column} #> ${path}::text[])` : column;
  const text = path ? `(${column} #>> ${path}::text[])` : `(${column} #>> '{}')`;
  switch (c.op) {
    case "exists":
      return `${target} IS NOT NULL`;
    case "=":
      return `${target} = ${params.add(JSON.stringify(c.value))}::jsonb`;
    case "!=":
      return `${target} <> ${params.add(JSON.stringify(c.value))}::jsonb`;
    case "startswith":
      return `(jsonb_typeof(${target}) = 'string' AND starts_with(${text}, ${params.add(c.value)}))`;
    case "contains":
      return `(jsonb_typeof(${target}) = 'string' AND strpos(${text}, ${params.add(c.value)}) > 0)`;
    default: {
      // jsonb orders values of different types by type, so compare only like with like.
      const value = params.add(JSON.stringify(c.value));
      return `(jsonb_typeof(${target}) = jsonb_typeof(${value}::jsonb) AND ${target} ${c.op} ${value}::jsonb)`;
    }
  }
}
