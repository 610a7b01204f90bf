/**
 * Compact JSON with object keys sorted recursively — the form OPA hashes `data.json` and
 * `.manifest` in for bundle signatures, and the form the audit chain hashes rows in.
 * Keys sort by UTF-16 code units; they differ from Go's byte order only for astral characters,
 * which bundle data keys are validated not to contain.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    const text = JSON.stringify(value ?? null);
    // Go's encoder escapes these two; match it so hashes agree with OPA's.
    return text.replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${canonicalJson(k)}:${canonicalJson(record[k])}`).join(",")}}`;
}

/** Drops undefined members and turns Dates into ISO strings, exactly as a JSONB round trip would. */
export function toPlainJson<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}
