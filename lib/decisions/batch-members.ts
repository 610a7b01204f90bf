// Where each event's documents (input, result, …) sit in the text of a decision-log batch, so that
// rows carry the uploaded JSON text itself rather than JSON.stringify of the parsed value: the
// same document for jsonb (which keeps the last of duplicate keys, as JSON.parse does, and
// numbers exactly), without serialising every decision again. One pass over the characters,
// strings skipped with indexOf; the same pass enforces the nesting limit.

/** The members of an event whose JSON text rows store as it was uploaded. */
export const DOCUMENT_MEMBERS = ["input", "result", "labels", "metrics", "bundles"] as const;
export type DocumentMember = (typeof DOCUMENT_MEMBERS)[number];

const SLOT: Record<string, number> = Object.assign(Object.create(null), {
  input: 0,
  result: 1,
  labels: 2,
  metrics: 3,
  bundles: 4,
});
const SLOTS = DOCUMENT_MEMBERS.length;
const ESCAPED = -2;

const QUOTE = 0x22,
  BACKSLASH = 0x5c,
  COLON = 0x3a,
  COMMA = 0x2c,
  OPEN_ARRAY = 0x5b,
  OPEN_OBJECT = 0x7b,
  CLOSE_ARRAY = 0x5d,
  CLOSE_OBJECT = 0x7d;

export type BatchMembers = {
  /** The JSON text of an event's member; undefined when the event has no such member. */
  text(event: number, member: DocumentMember): string | undefined;
  /** Whether the event's members were located (false: a member name written with escapes). */
  located(event: number): boolean;
};

/**
 * Scans a batch (a JSON array of event objects) that JSON.parse accepted. Returns null when it
 * nests deeper than maxDepth.
 */
export function scanBatchMembers(text: string, maxDepth: number): BatchMembers | null {
  let spans = new Int32Array(64 * SLOTS * 2).fill(-1);
  let unlocated: Set<number> | null = null;
  let depth = 0;
  let event = -1;
  let slot = -1;
  let valueStart = -1;
  let expectingKey = false;
  const closeMember = (end: number) => {
    if (slot >= 0 && valueStart >= 0) {
      spans[(event * SLOTS + slot) * 2] = valueStart;
      spans[(event * SLOTS + slot) * 2 + 1] = end;
    }
    slot = -1;
    valueStart = -1;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = closingQuote(text, i);
      if (end === -1) break; // cannot happen after JSON.parse
      if (expectingKey) {
        slot = slotOf(text, i + 1, end);
        if (slot === ESCAPED) {
          (unlocated ??= new Set()).add(event);
          slot = -1;
        }
        expectingKey = false;
      }
      i = end;
    } else if (depth === 2 && c === COLON) {
      valueStart = i + 1;
    } else if (depth === 2 && c === COMMA) {
      closeMember(i);
      expectingKey = true;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (depth === 1 && c === OPEN_OBJECT) {
        event += 1;
        if ((event + 1) * SLOTS * 2 > spans.length) {
          const grown = new Int32Array(spans.length * 2).fill(-1);
          grown.set(spans);
          spans = grown;
        }
        expectingKey = true;
      }
      if (++depth > maxDepth) return null;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      if (depth === 2 && c === CLOSE_OBJECT) closeMember(i);
      depth--;
      expectingKey = false;
    }
  }
  return {
    text(e, member) {
      const at = (e * SLOTS + SLOT[member]!) * 2;
      if (at >= spans.length || spans[at] === -1) return undefined;
      return text.slice(spans[at], spans[at + 1]).trim();
    },
    located: (e) => !unlocated?.has(e),
  };
}

/**
 * The slot of the member name text[start, end), -1 for other members, ESCAPED when the name has
 * an escape (it might spell one of ours). Every event has a dozen members: names of other lengths
 * are told apart without making a string of them.
 */
function slotOf(text: string, start: number, end: number): number {
  for (let i = start; i < end; i++) if (text.charCodeAt(i) === BACKSLASH) return ESCAPED;
  const length = end - start;
  if (length < 5 || length > 7) return -1;
  return SLOT[text.slice(start, end)] ?? -1;
}

/** The index of the quote that ends the string opened at `open`: the next one not escaped by an odd run of backslashes. */
function closingQuote(text: string, open: number): number {
  let at = open;
  for (;;) {
    at = text.indexOf('"', at + 1);
    if (at === -1) return -1;
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
}
