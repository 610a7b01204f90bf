/**
 * Makes JSON text from JSON.stringify storable by PostgreSQL: json→jsonb and text columns refuse
 * NUL (\u0000) and lone UTF-16 surrogates, both of which are valid JSON that any client can put
 * into an OPA input. They become U+FFFD. JSON.stringify escapes exactly those (and other control
 * characters) as \uXXXX, and writes a literal backslash as \\, so an escape is one preceded by an
 * even number of backslashes.
 */
const UNSTORABLE_ESCAPE = /(?<!\\)((?:\\\\)*)\\u(?:0000|d[89a-f][0-9a-f]{2})/g;

export function pgSafeJson(text: string): string {
  if (!text.includes("\\u")) return text;
  return text.replace(UNSTORABLE_ESCAPE, "$1\\ufffd");
}

/** The same for a plain string headed for a text column: NUL and lone surrogates become U+FFFD. */
const SURROGATE = /[\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function pgSafeText(text: string): string {
  const withoutNul = text.includes("\u0000") ? text.replaceAll("\u0000", "\ufffd") : text;
  return SURROGATE.test(withoutNul) ? withoutNul.replace(LONE_SURROGATE, "\ufffd") : withoutNul;
}
