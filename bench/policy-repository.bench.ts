// npm run bench -- policy-repository — a generated repository of 500 packages (100 libraries
// imported by the other 400) with 5,000 Rego tests, imported whole (preview, then apply in one
// transaction) against raw `opa test` on the same files, in the same run.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Bench, BenchRow } from "./harness";
import { startBenchEnvironment } from "./bench-env";
import { generatePolicyRepository, writeRepository, zipRepository } from "@/test/factories/policy-repository";

const LIBRARIES = 100;
const APPLICATIONS = 400;
const TESTS_PER_PACKAGE = 10;

function opaTest(bin: string, cwd: string): Promise<{ code: number; tests: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ["test", "-f", "json", "."], { cwd, stdio: ["ignore", "pipe", "ignore"] });
    let stdout = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, tests: (JSON.parse(stdout) as unknown[]).length }));
  });
}

const bench: Bench = {
  name: "policy-repository",
  async run(): Promise<BenchRow[]> {
    const env = await startBenchEnvironment("policy-repository");
    const dir = mkdtempSync(path.join(os.tmpdir(), "verdict-bench-repo-"));
    try {
      env.applyToThisProcess();
      const { createTestUser } = await import("@/test/factories/actors");
      const { readRepositoryUpload } = await import("@/lib/policy-repository/read-repository-upload");
      const { previewRepositoryImport } = await import("@/lib/policy-repository/preview-repository-import");
      const { applyRepositoryImport } = await import("@/lib/policy-repository/apply-repository-import");
      const files = generatePolicyRepository({
        libraries: LIBRARIES,
        applications: APPLICATIONS,
        testsPerPackage: TESTS_PER_PACKAGE,
      });
      writeRepository(dir, files);
      const zip = zipRepository(files);
      const author = await createTestUser(["author"]);

      const baselineStarted = performance.now();
      const raw = await opaTest(env.opaBin, dir);
      const baselineMs = performance.now() - baselineStarted;
      if (raw.code !== 0 || raw.tests !== (LIBRARIES + APPLICATIONS) * TESTS_PER_PACKAGE)
        throw new Error(`raw opa test: exit ${raw.code}, ${raw.tests} tests`);

      const started = performance.now();
      const entries = await readRepositoryUpload({ kind: "archive", bytes: zip });
      const { preview } = await previewRepositoryImport({ actor: author, entries });
      const previewMs = performance.now() - started;
      const applied = await applyRepositoryImport({ actor: author, entries, expectedPlanHash: preview.planHash });
      const importMs = performance.now() - started;
      if (applied.created.length !== LIBRARIES + APPLICATIONS)
        throw new Error(
          `imported ${applied.created.length} policies; refusals: ${JSON.stringify(preview.refusals).slice(0, 500)}`,
        );

      const againStarted = performance.now();
      const again = await applyRepositoryImport({
        actor: author,
        entries: await readRepositoryUpload({ kind: "archive", bytes: zip }),
      });
      const againMs = performance.now() - againStarted;
      if (again.preview.summary.unchanged !== LIBRARIES + APPLICATIONS) throw new Error("re-import changed something");

      const note = `${LIBRARIES + APPLICATIONS} packages (${LIBRARIES} libraries), ${raw.tests} Rego tests, ${Object.keys(files).length} files; target < 10 s`;
      return [
        {
          figure: "repository import (preview + apply)",
          verdict: importMs,
          baseline: baselineMs,
          unit: "ms",
          baselineName: "raw opa test, same files",
          better: "lower",
          note,
        },
        {
          figure: "repository preview alone",
          verdict: previewMs,
          baseline: baselineMs,
          unit: "ms",
          baselineName: "raw opa test, same files",
          better: "lower",
        },
        {
          figure: "re-import of the same repository (no change)",
          verdict: againMs,
          baseline: baselineMs,
          unit: "ms",
          baselineName: "raw opa test, same files",
          better: "lower",
          note: "same process: the compile of an unchanged module set is reused",
        },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await env.stop();
    }
  },
};

export default bench;
