/**
 * The deepest JSON a request may carry. Parsing is iterative in V8 but serialising is not:
 * JSON.stringify of a value nested a few thousand levels deep throws RangeError (and PostgreSQL's
 * jsonb parser has a stack limit too), so such a body must be refused before it is parsed.
 * No real OPA input, result or status document comes anywhere near this.
 */
export const MAX_JSON_DEPTH = 512;

const QUOTE = 0x22,
  BACKSLASH = 0x5c,
  OPEN_ARRAY = 0x5b,
  OPEN_OBJECT = 0x7b,
  CLOSE_ARRAY = 0x5d,
  CLOSE_OBJECT = 0x7d;

/**
 * Whether JSON text (UTF-8) nests arrays/objects deeper than `max`, in one pass over the bytes.
 * Strings are skipped with indexOf (memchr), since they are most of a decision log's bytes.
 */
export function jsonNestingExceeds(bytes: Uint8Array, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === QUOTE) {
      const end = closingQuote(bytes, i);
      if (end === -1) return false; // unterminated: JSON.parse refuses it
      i = end;
    } else if (b === OPEN_ARRAY || b === OPEN_OBJECT) {
      if (++depth > max) return true;
    } else if (b === CLOSE_ARRAY || b === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}

/** The index of the quote that ends the string opened at `open`: the next one not escaped by an odd run of backslashes. */
function closingQuote(bytes: Uint8Array, open: number): number {
  let at = open;
  for (;;) {
    at = bytes.indexOf(QUOTE, at + 1);
    if (at === -1) return -1;
    let backslashes = 0;
    while (bytes[at - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
}
