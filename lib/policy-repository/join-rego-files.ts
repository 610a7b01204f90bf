import { declaredPackage } from "@/lib/rego/rego-package";

export type RegoFile = { path: string; text: string };

/** Where a stretch of the joined module came from: joined rows from `row` on are `file` rows from `fileRow` on. */
export type LineOrigin = { row: number; file: string; fileRow: number };

export type JoinedModule = { source: string; origins: LineOrigin[] };

export class JoinRefusal extends Error {}

type Parsed = {
  file: RegoFile;
  leading: string[];
  packageLine: string;
  imports: Array<{ line: string; key: string; alias: string | null; path: string }>;
  body: string[];
  bodyRow: number;
};

const IMPORT = /^\s*import\s+([^\s#]+)(?:\s+as\s+([A-Za-z_][A-Za-z0-9_]*))?\s*(?:#.*)?$/;

/**
 * The files of one package as one module. One file is kept exactly as it is. Several are joined in
 * file-name order: the first file's leading comments, one package line, every import once (sorted),
 * then each file's rules under a `# from <file name>` line (one directory: the name is enough, and
 * moving the directory changes nothing). Two files that bind one import name to
 * different paths cannot share a module, so they are refused by name.
 */
export function joinRegoFiles(files: RegoFile[]): JoinedModule {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (sorted.length === 1) return { source: sorted[0]!.text, origins: [{ row: 1, file: sorted[0]!.path, fileRow: 1 }] };
  const parsed = sorted.map(parseFile);
  const imports = new Map<string, { line: string; file: string }>();
  const aliases = new Map<string, { path: string; file: string }>();
  for (const p of parsed) {
    for (const imp of p.imports) {
      if (imp.alias) {
        const bound = aliases.get(imp.alias);
        if (bound && bound.path !== imp.path)
          throw new JoinRefusal(
            `${bound.file} imports ${bound.path} as ${imp.alias} but ${p.file.path} imports ${imp.path} as ${imp.alias}; one module cannot hold both`,
          );
        aliases.set(imp.alias, { path: imp.path, file: p.file.path });
      }
      if (!imports.has(imp.key)) imports.set(imp.key, { line: imp.line, file: p.file.path });
    }
  }
  const lines: string[] = [...parsed[0]!.leading, parsed[0]!.packageLine, ""];
  const origins: LineOrigin[] = [{ row: 1, file: parsed[0]!.file.path, fileRow: 1 }];
  const importLines = [...imports.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [, imp] of importLines) {
    origins.push({ row: lines.length + 1, file: imp.file, fileRow: 1 });
    lines.push(imp.line);
  }
  for (const p of parsed) {
    lines.push("", `# from ${p.file.path.split("/").pop()}`);
    origins.push({ row: lines.length + 1, file: p.file.path, fileRow: p.bodyRow });
    lines.push(...p.body);
  }
  return { source: `${lines.join("\n").trimEnd()}\n`, origins };
}

function parseFile(file: RegoFile): Parsed {
  const lines = file.text.replace(/\r\n/g, "\n").split("\n");
  let i = 0;
  while (i < lines.length && /^\s*(#.*)?$/.test(lines[i]!)) i++;
  if (i >= lines.length || !/^\s*package\s/.test(lines[i]!) || declaredPackage(file.text) === null)
    throw new JoinRefusal(`${file.path} does not start with a package line`);
  const leading = lines.slice(0, i);
  const packageLine = lines[i]!.trim();
  const imports: Parsed["imports"] = [];
  let end = i + 1;
  for (let j = i + 1; j < lines.length; j++) {
    const line = lines[j]!;
    if (/^\s*(#.*)?$/.test(line)) continue;
    const match = IMPORT.exec(line);
    if (!match) break;
    const path = match[1]!;
    const keyword = path === "rego.v1" || path.startsWith("future.");
    const alias = keyword ? null : (match[2] ?? lastSegment(path));
    const explicit = alias !== null && alias !== lastSegment(path);
    imports.push({
      line: `import ${path}${explicit ? ` as ${alias}` : ""}`,
      key: `${path} ${alias ?? ""}`,
      alias,
      path,
    });
    end = j + 1;
  }
  const body = lines.slice(end);
  while (body.length && body[0]!.trim() === "") body.shift();
  const bodyRow = lines.length - body.length + 1;
  while (body.length && body[body.length - 1]!.trim() === "") body.pop();
  return { file, leading, packageLine, imports, body, bodyRow };
}

function lastSegment(path: string): string {
  const quoted = /\["([^"]+)"\]$/.exec(path);
  return quoted ? quoted[1]! : path.split(".").pop()!;
}

/** The file and row of the original repository that a row of a joined module came from. */
export function originOf(origins: LineOrigin[], row: number): { file: string; row: number } {
  let best = origins[0]!;
  for (const o of origins) if (o.row <= row) best = o;
  return { file: best.file, row: best.fileRow + (row - best.row) };
}
