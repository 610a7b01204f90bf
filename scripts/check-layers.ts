// npm run check:layers — verifies that the folders of lib/ import each other only in the directions
// LAYERS allows, and that those directions form a directed acyclic graph. Run by npm test and CI.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { LAYERS } from "@/lib/layers";

const GRAPH: Record<string, readonly string[]> = LAYERS;

type Violation = { file: string; imports: string; reason: string };

const ROOT = path.resolve(import.meta.dirname, "..");
const LIB = path.join(ROOT, "lib");

/** The layer of a file: the longest LAYERS key its folder starts with; files at lib/'s top level are "boot". */
export function layerOf(relativeToLib: string): string | null {
  const dir = path.posix.dirname(relativeToLib);
  if (dir === ".") return "boot";
  let best: string | null = null;
  for (const name of Object.keys(GRAPH)) {
    if ((dir === name || dir.startsWith(`${name}/`)) && (!best || name.length > best.length)) best = name;
  }
  return best;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "generated") out.push(...sourceFiles(full));
    } else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) out.push(full);
  }
  return out;
}

const SPECIFIER = /(?:^|[^.\w])(?:from|import)\s*\(?\s*["']([^"']+)["']/g;

function importedLibPath(specifier: string, file: string): string | null {
  if (specifier.startsWith("@/")) return specifier.slice(2);
  if (specifier.startsWith("."))
    return path
      .relative(ROOT, path.resolve(path.dirname(file), specifier))
      .split(path.sep)
      .join("/");
  return null;
}

/** A cycle in the allowed graph, or null. */
export function findCycle(graph: Record<string, readonly string[]>): string[] | null {
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    if (state.get(node) === "done") return null;
    if (state.get(node) === "visiting") return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, "visiting");
    stack.push(node);
    for (const next of graph[node] ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, "done");
    return null;
  };
  for (const node of Object.keys(graph)) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}

export function checkLayers(): { violations: Violation[]; cycle: string[] | null; files: number; imports: number } {
  const violations: Violation[] = [];
  let imports = 0;
  const files = sourceFiles(LIB);
  for (const file of files) {
    const rel = path.relative(LIB, file).split(path.sep).join("/");
    const from = layerOf(rel);
    if (!from) {
      violations.push({
        file: `lib/${rel}`,
        imports: "",
        reason: `folder lib/${path.posix.dirname(rel)} is not in lib/layers.ts`,
      });
      continue;
    }
    for (const match of readFileSync(file, "utf8").matchAll(SPECIFIER)) {
      const target = importedLibPath(match[1]!, file);
      if (!target) continue;
      imports++;
      if (!target.startsWith("lib/")) {
        violations.push({
          file: `lib/${rel}`,
          imports: match[1]!,
          reason: "lib/ never imports the app, components or tests",
        });
        continue;
      }
      const to = layerOf(`${target.slice(4)}.ts`);
      if (!to || to === from) continue;
      if (!GRAPH[from]!.includes(to)) {
        violations.push({ file: `lib/${rel}`, imports: match[1]!, reason: `${from} may not import ${to}` });
      }
    }
  }
  return { violations, cycle: findCycle(GRAPH), files: files.length, imports };
}

if (import.meta.filename === process.argv[1]) {
  const { violations, cycle, files, imports } = checkLayers();
  for (const v of violations) console.error(`${v.file}: ${v.imports ? `imports ${v.imports}: ` : ""}${v.reason}`);
  if (cycle) console.error(`lib/layers.ts allows a cycle: ${cycle.join(" → ")}`);
  if (violations.length > 0 || cycle) process.exit(1);
  console.log(
    `check:layers: ${files} files, ${imports} imports inside lib/, ${Object.keys(GRAPH).length} layers, no cycles`,
  );
}
