import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * Servers the distribution tests run for real, built from source with `go install` at pinned
 * versions into .tools/bin (as lib/setup/install-opa.ts builds opa): the CNCF distribution
 * registry and versitygw, an S3-compatible gateway over a plain directory.
 */
export const GO_TOOLS = {
  registry: { module: "github.com/distribution/distribution/v3/cmd/registry", version: "v3.1.2" },
  versitygw: { module: "github.com/versity/versitygw/cmd/versitygw", version: "v1.8.0" },
} as const;
export type GoTool = keyof typeof GO_TOOLS;

const BIN_DIR = path.join(process.cwd(), ".tools", "bin");

export function goToolPath(tool: GoTool): string {
  return path.join(BIN_DIR, tool);
}

// The binaries do not report the module version they were built from, so a stamp beside each
// one says which pinned version it is; a binary without a matching stamp is built again.
const stampPath = (tool: GoTool) => path.join(BIN_DIR, `${tool}.version`);

export function goToolReady(tool: GoTool): boolean {
  const stamp = stampPath(tool);
  return (
    existsSync(goToolPath(tool)) && existsSync(stamp) && readFileSync(stamp, "utf8").trim() === GO_TOOLS[tool].version
  );
}

/** Builds whichever pinned tool is missing; returns a one-line problem per tool that could not be built. */
export function ensureGoTools(log: (line: string) => void): string[] {
  const problems: string[] = [];
  mkdirSync(BIN_DIR, { recursive: true });
  for (const tool of Object.keys(GO_TOOLS) as GoTool[]) {
    if (goToolReady(tool)) continue;
    const { module, version } = GO_TOOLS[tool];
    log(`building ${tool} ${version} with \`go install\` into .tools/bin (a few minutes the first time)…`);
    const result = spawnSync("go", ["install", `${module}@${version}`], {
      env: { ...process.env, GOBIN: BIN_DIR, GOFLAGS: "-mod=mod" },
      stdio: ["ignore", "inherit", "inherit"],
    });
    if (result.status === 0) writeFileSync(stampPath(tool), `${version}\n`);
    else
      problems.push(
        `${tool} ${version} could not be built (${result.error ? "Go is not installed" : `go install exited ${result.status}`}): the distribution tests need it`,
      );
  }
  return problems;
}
