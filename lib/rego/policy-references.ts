import { canonicalPackage, packageSegments } from "@/lib/rego/rego-package";
import type { RegoVersion } from "@/lib/rego/rego-version";

/**
 * Which other packages a module uses. A reference is any `data.…` ref in the module (imports,
 * rule bodies, `with` targets), read up to its first segment that is not a constant string, and
 * any use of an imported name (`import data.lib.k8s` … `k8s.is_update(x)`).
 *
 * A reference refers to every package some policy declares that is a prefix of it
 * (`data.lib.k8s.is_update` → `lib.k8s`) or lies under it (`import data.lib` → every package
 * under `lib`). One that matches no declared package is a data document (`data.limits.max_refund`,
 * the allowlists under `data.verdict.allowlists`) — unless it is called like a function: data
 * cannot be called, so `data.lib.exclude_update.is_update(x)` names a missing package,
 * `lib.exclude_update`. docs/policy-references.md states the rule.
 */

export type ModuleReference = { path: string[]; row: number; imported: boolean; called: boolean };

/** Every `data.…` reference in a module and every use of an imported name, in order, with its (1-based) line. */
export function moduleReferences(source: string): ModuleReference[] {
  const refs: ModuleReference[] = [];
  const aliases = new Map<string, string[]>();
  let i = 0;
  let row = 1;
  let lastSignificant = "";
  let statementStart = true;
  let lineIsImport = false;
  const n = source.length;
  while (i < n) {
    const ch = source[i]!;
    if (ch === "\n") {
      row++;
      i++;
      statementStart = true;
      lineIsImport = false;
      continue;
    }
    if (ch === " " || ch === "\t" || ch === "\r") {
      i++;
      continue;
    }
    if (ch === "#") {
      while (i < n && source[i] !== "\n") i++;
      continue;
    }
    if (ch === '"' || ch === "`") {
      const end = skipString(source, i);
      row += countNewlines(source, i, end);
      i = end;
      lastSignificant = '"';
      statementStart = false;
      continue;
    }
    if (/[A-Za-z_]/.test(ch)) {
      let j = i;
      while (j < n && /[A-Za-z0-9_]/.test(source[j]!)) j++;
      const word = source.slice(i, j);
      if (statementStart && word === "import") lineIsImport = true;
      const afterDot = lastSignificant === ".";
      statementStart = false;
      lastSignificant = "w";
      const base = afterDot ? undefined : word === "data" ? [] : lineIsImport ? undefined : aliases.get(word);
      if (base === undefined) {
        i = j;
        continue;
      }
      const { path, end } = readRefTail(source, j);
      const full = [...base, ...path];
      const called = /^\s*\(/.test(source.slice(end, end + 50));
      if (full.length > 0 && (word === "data" || path.length > 0))
        refs.push({ path: full, row, imported: lineIsImport, called });
      if (lineIsImport && word === "data" && full.length > 0) {
        const as = /^\s+as\s+([A-Za-z_][A-Za-z0-9_]*)/.exec(source.slice(end, end + 200));
        aliases.set(as ? as[1]! : full[full.length - 1]!, full);
      }
      row += countNewlines(source, j, end);
      i = end;
      continue;
    }
    lastSignificant = ch;
    statementStart = false;
    i++;
  }
  return refs;
}

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let k = from; k < to; k++) if (text[k] === "\n") count++;
  return count;
}

function skipString(text: string, start: number): number {
  const quote = text[start];
  let k = start + 1;
  while (k < text.length && text[k] !== quote) {
    if (quote === '"' && text[k] === "\\") k++;
    if (quote === '"' && text[k] === "\n") return k;
    k++;
  }
  return Math.min(k + 1, text.length);
}

/** The constant segments after `data`: `.name` and `["string"]`, up to the first other segment. */
function readRefTail(text: string, start: number): { path: string[]; end: number } {
  const path: string[] = [];
  let k = start;
  while (k < text.length) {
    if (text[k] === "." && /[A-Za-z_]/.test(text[k + 1] ?? "")) {
      let j = k + 1;
      while (j < text.length && /[A-Za-z0-9_]/.test(text[j]!)) j++;
      path.push(text.slice(k + 1, j));
      k = j;
      continue;
    }
    if (text[k] === "[") {
      const m = /^\[\s*("(?:[^"\\\n]|\\.)*"|`[^`]*`)\s*\]/.exec(text.slice(k, k + 1000));
      if (!m) break;
      const literal = m[1]!;
      let value: string;
      try {
        value = literal.startsWith("`") ? literal.slice(1, -1) : (JSON.parse(literal) as string);
      } catch {
        break;
      }
      path.push(value);
      k += m[0].length;
      continue;
    }
    break;
  }
  return { path, end: k };
}

export type ReferenceLocation = { file: string; row: number };
export type MissingPackage = { package: string; reference: string; locations: ReferenceLocation[] };

export type ResolvedReferences = {
  /** Canonical names of the known packages the module refers to. */
  packages: string[];
  missing: MissingPackage[];
};

const startsWith = (long: string[], short: string[]) => short.every((s, k) => long[k] === s);

/**
 * A module's references resolved against the packages policies declare (`known`, canonical
 * names). References into the module's own package and to data documents are neither.
 */
export function resolveReferences(options: {
  source: string;
  file: string;
  packagePath: string;
  known: string[];
}): ResolvedReferences {
  const self = packageSegments(options.packagePath);
  const known = options.known
    .filter((p) => p !== options.packagePath)
    .map((name) => ({ name, segments: packageSegments(name) }));
  const packages = new Set<string>();
  const missing = new Map<string, MissingPackage>();
  for (const ref of moduleReferences(options.source)) {
    const matches = known.filter((k) => startsWith(ref.path, k.segments) || startsWith(k.segments, ref.path));
    for (const m of matches) packages.add(m.name);
    if (matches.length > 0 || startsWith(ref.path, self) || !ref.called || ref.path.length < 2) continue;
    // A called ref is a function: its last segment is the rule, the rest the package.
    const pkg = canonicalPackage(ref.path.slice(0, -1));
    const entry = missing.get(pkg) ?? { package: pkg, reference: `data.${canonicalPackage(ref.path)}`, locations: [] };
    entry.locations.push({ file: options.file, row: ref.row });
    missing.set(pkg, entry);
  }
  return { packages: [...packages].sort(), missing: [...missing.values()] };
}

/** A module another may reference; `regoVersion` (default v1) is how OPA must read it. */
export type ReferenceModule = { packagePath: string; path: string; source: string; regoVersion?: RegoVersion };

/**
 * The modules a module needs, transitively: its references, theirs, and so on, among
 * `candidates` (one module per package). Missing packages are reported for the root module and
 * for every module it pulls in, each with the file and line that refers to it.
 */
export function referenceClosure<T extends ReferenceModule>(
  root: ReferenceModule,
  candidates: T[],
): { modules: T[]; direct: string[]; missing: MissingPackage[] } {
  const byPackage = new Map(candidates.map((c) => [c.packagePath, c]));
  const known = [...byPackage.keys(), root.packagePath];
  const seen = new Set<string>([root.packagePath]);
  const modules: T[] = [];
  const missing: MissingPackage[] = [];
  const rootRefs = resolveReferences({ ...root, file: root.path, known });
  const queue = [...rootRefs.packages];
  missing.push(...rootRefs.missing);
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const module = byPackage.get(name);
    if (!module) continue;
    modules.push(module);
    const refs = resolveReferences({ ...module, file: module.path, known });
    queue.push(...refs.packages);
    missing.push(...refs.missing);
  }
  return { modules, direct: rootRefs.packages, missing };
}

/** One line naming every missing package and where it is used. */
export function describeMissing(missing: MissingPackage[]): string {
  return missing
    .map(
      (m) =>
        `no policy declares package ${m.package} (${m.reference}, used at ${m.locations.map((l) => `${l.file}:${l.row}`).join(", ")})`,
    )
    .join("; ");
}
