/**
 * Rego package names as OPA reads them. A package is a ref: an identifier, then `.identifier` or
 * `["string"]` / `` [`raw string`] `` segments (`package K8sBlockWildcardIngress`, `package a["b-c"].d`).
 * Verdict stores one canonical spelling: identifier segments joined by dots, every other segment
 * as a JSON-quoted bracket, so `a["b"].c` and `a.b.c` are the same package and the text is
 * itself a valid Rego ref after `data.`.
 */

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const IDENT_START = /[A-Za-z_]/;
const IDENT_CHAR = /[A-Za-z0-9_]/;

export type PackageParse = { ok: true; segments: string[] } | { ok: false; reason: string };

/** The package path a module declares (`package payments.authz` → "payments.authz"), canonical, or null. */
export function declaredPackage(source: string): string | null {
  const parsed = parseDeclaration(source);
  return parsed.ok ? canonicalPackage(parsed.segments) : null;
}

/** The segments a module's package declaration names (the leading `data.` dropped, as OPA does). */
export function parseDeclaration(source: string): PackageParse {
  const s = new Scanner(source);
  s.skipSpaceAndComments(true);
  if (!s.word("package")) return { ok: false, reason: "the first statement is not a package declaration" };
  if (!s.skipSpaceAndComments(true)) return { ok: false, reason: "expected a package name after `package`" };
  const ref = s.ref();
  if (!ref.ok) return ref;
  s.skipSpaceAndComments(false);
  if (!s.atLineEnd()) return { ok: false, reason: "unexpected text after the package name" };
  return finish(ref.segments);
}

/** Parses a package name as typed (`a.b`, `a["b-c"]`, `data.a.b`) into its segments. */
export function parsePackageRef(text: string): PackageParse {
  const s = new Scanner(text.trim());
  const ref = s.ref();
  if (!ref.ok) return ref;
  if (!s.atEnd()) return { ok: false, reason: "unexpected text after the package name" };
  return finish(ref.segments);
}

/** The canonical spelling of a package's segments. */
export function canonicalPackage(segments: string[]): string {
  return segments
    .map((seg, i) => (IDENT.test(seg) ? (i === 0 ? seg : `.${seg}`) : `[${JSON.stringify(seg)}]`))
    .join("");
}

/** The segments of a canonical (or any valid) package name; throws on one that does not parse. */
export function packageSegments(packagePath: string): string[] {
  const parsed = parsePackageRef(packagePath);
  if (!parsed.ok) throw new Error(`not a package name: ${packagePath} (${parsed.reason})`);
  return parsed.segments;
}

function finish(segments: string[]): PackageParse {
  const path = segments[0] === "data" ? segments.slice(1) : segments;
  if (path.length === 0) return { ok: false, reason: "a package cannot be the data root itself" };
  // A lone `_` is Rego's wildcard: OPA turns it into a generated variable, not a name.
  if (segments[0] === "_") return { ok: false, reason: "`_` is a wildcard, not a package name" };
  return { ok: true, segments: path };
}

class Scanner {
  private i = 0;
  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.i >= this.text.length;
  }

  atLineEnd(): boolean {
    return this.atEnd() || this.text[this.i] === "\n" || this.text.startsWith("\r\n", this.i);
  }

  /** Skips blanks and comments (and newlines when allowed); whether it moved. */
  skipSpaceAndComments(newlines: boolean): boolean {
    const start = this.i;
    while (!this.atEnd()) {
      const ch = this.text[this.i]!;
      if (ch === " " || ch === "\t" || ch === "\r" || (newlines && ch === "\n")) this.i++;
      else if (ch === "#") while (!this.atEnd() && this.text[this.i] !== "\n") this.i++;
      else break;
    }
    return this.i > start;
  }

  word(w: string): boolean {
    if (!this.text.startsWith(w, this.i)) return false;
    const next = this.text[this.i + w.length];
    if (next !== undefined && IDENT_CHAR.test(next)) return false;
    this.i += w.length;
    return true;
  }

  ident(): string | null {
    const start = this.i;
    if (this.atEnd() || !IDENT_START.test(this.text[this.i]!)) return null;
    while (!this.atEnd() && IDENT_CHAR.test(this.text[this.i]!)) this.i++;
    return this.text.slice(start, this.i);
  }

  ref(): PackageParse {
    const first = this.ident();
    if (first === null) return { ok: false, reason: "a package name starts with a letter or _" };
    const segments = [first];
    while (!this.atEnd()) {
      const ch = this.text[this.i];
      if (ch === ".") {
        this.i++;
        const next = this.ident();
        if (next === null) return { ok: false, reason: "expected a name after `.`" };
        segments.push(next);
      } else if (ch === "[") {
        this.i++;
        this.skipSpaceAndComments(true);
        const key = this.stringLiteral();
        if (!key.ok) return key;
        this.skipSpaceAndComments(true);
        if (this.text[this.i] !== "]") return { ok: false, reason: "expected `]` after a quoted segment" };
        this.i++;
        segments.push(key.value);
      } else break;
    }
    return { ok: true, segments };
  }

  private stringLiteral(): { ok: true; value: string } | { ok: false; reason: string } {
    const quote = this.text[this.i];
    if (quote === "`") {
      const end = this.text.indexOf("`", this.i + 1);
      if (end < 0) return { ok: false, reason: "unterminated raw string" };
      const value = this.text.slice(this.i + 1, end);
      this.i = end + 1;
      return { ok: true, value };
    }
    if (quote !== '"') return { ok: false, reason: "a bracketed package segment must be a string" };
    this.i++;
    let out = "";
    const units: number[] = [];
    const flush = () => {
      out += decodeUnits(units);
      units.length = 0;
    };
    while (true) {
      if (this.atEnd() || this.text[this.i] === "\n") return { ok: false, reason: "unterminated string" };
      const ch = this.text[this.i]!;
      if (ch === '"') break;
      if (ch !== "\\") {
        flush();
        out += ch;
        this.i++;
        continue;
      }
      const esc = this.text[this.i + 1];
      const simple: Record<string, string> = {
        '"': '"',
        "\\": "\\",
        "/": "/",
        b: "\b",
        f: "\f",
        n: "\n",
        r: "\r",
        t: "\t",
      };
      if (esc !== undefined && esc in simple) {
        flush();
        out += simple[esc];
        this.i += 2;
      } else if (esc === "u" && /^[0-9A-Fa-f]{4}$/.test(this.text.slice(this.i + 2, this.i + 6))) {
        units.push(Number.parseInt(this.text.slice(this.i + 2, this.i + 6), 16));
        this.i += 6;
      } else return { ok: false, reason: "illegal escape sequence in a quoted segment" };
    }
    flush();
    this.i++;
    return { ok: true, value: out };
  }
}

// \u escapes are UTF-16 units: a surrogate pair is one character, a lone surrogate becomes U+FFFD (as Go decodes it).
function decodeUnits(units: number[]): string {
  let out = "";
  for (let k = 0; k < units.length; k++) {
    const u = units[k]!;
    const next = units[k + 1];
    if (u >= 0xd800 && u <= 0xdbff && next !== undefined && next >= 0xdc00 && next <= 0xdfff) {
      out += String.fromCharCode(u, next);
      k++;
    } else if (u >= 0xd800 && u <= 0xdfff) out += "\ufffd";
    else out += String.fromCharCode(u);
  }
  return out;
}
