import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { rawEnv } from "@/lib/core/env";

export const OPA_VERSION = "1.22.2";
// Taken when the process starts: opa is spawned in other working directories (temporary
// workspaces), where a relative OPA_BIN would name another file, or none.
const START_CWD = process.cwd();
export const PROJECT_OPA_PATH = path.join(START_CWD, ".tools", "bin", "opa");

let resolved: string | undefined;

/** OPA_BIN, then the project-local .tools/bin/opa, then `opa` on PATH — whichever is the pinned version. */
export function opaBinary(): string {
  if (resolved) return resolved;
  const found = findOpaCandidates().find((candidate) => opaVersionOf(candidate) === OPA_VERSION);
  if (!found) {
    throw new Error(
      `OPA ${OPA_VERSION} was not found (set OPA_BIN, or run \`npm start\` once to install it into .tools/bin)`,
    );
  }
  resolved = found;
  return found;
}

export function findOpaCandidates(): string[] {
  const fromEnv = rawEnv("OPA_BIN");
  if (fromEnv) return [resolveOpaBin(fromEnv)];
  const candidates = [PROJECT_OPA_PATH];
  for (const dir of (rawEnv("PATH") ?? "").split(path.delimiter)) {
    if (dir) candidates.push(path.join(dir, "opa"));
  }
  return candidates.filter((c) => existsSync(/*turbopackIgnore: true*/ c));
}

/** OPA_BIN as an absolute path, relative ones against the start-up directory; a bare command name ("opa") stays a PATH lookup. */
export function resolveOpaBin(value: string, cwd = START_CWD): string {
  const isCommandName = !value.includes("/") && !value.includes(path.sep);
  return path.isAbsolute(value) || isCommandName ? value : path.resolve(cwd, value);
}

export function opaVersionOf(binary: string): string | null {
  try {
    const out = execFileSync(binary, ["version"], { encoding: "utf8", timeout: 10_000 });
    return /^Version:\s*(\S+)/m.exec(out)?.[1] ?? null;
  } catch {
    return null;
  }
}
