import { parse as parseYaml } from "yaml";
import { AppError } from "@/lib/core/errors";
import { isUnderRoots, packageDataPath, rootsOverlap } from "@/lib/bundles/roots";
import { declaredPackage } from "@/lib/rego/rego-package";
import { MAX_MODULE_BYTES } from "@/lib/rego/policy-module";
import { ZPackagePath } from "@/lib/policies/schemas";
import { parseCasesFile } from "@/lib/policy-tests/policy-files";
import { ZTestCases, type TTestCase } from "@/lib/policy-tests/schemas";
import { joinRegoFiles, JoinRefusal, type LineOrigin, type RegoFile } from "@/lib/policy-repository/join-rego-files";
import type { RepositoryEntry } from "@/lib/policy-repository/read-repository-upload";

/** One package of the repository as the policy it becomes. */
export type PlannedPolicy = {
  packagePath: string;
  directory: string;
  files: string[];
  testFiles: string[];
  source: string;
  testSource: string;
  origins: LineOrigin[];
  testOrigins: LineOrigin[];
  /** The table cases of a cases.json/cases.yaml beside the policy; null keeps the policy's own. */
  cases: Array<Omit<TTestCase, "id">> | null;
  casesFile: string | null;
};

/** A data document at a slash-separated path ("lib/k8s" is data.lib.k8s). */
export type PlannedData = { path: string; file: string; value: Record<string, unknown> };

export type Refusal = { file?: string; packagePath?: string; message: string };

export type RepositoryLayout = {
  policies: PlannedPolicy[];
  data: PlannedData[];
  ignored: string[];
  refusals: Refusal[];
  roots: string[] | null;
};

const DATA_FILE = /(^|\/)data\.(json|ya?ml)$/;
const CASES_FILE = /(^|\/)cases\.(json|ya?ml)$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * How Verdict reads a repository (docs/repository-layout.md): every package becomes one policy,
 * its `_test.rego` files its test module, cases.json beside it its table cases, every data.json or
 * data.yaml a data document at its directory's path. What cannot be mapped is refused, by file.
 */
export function planRepositoryFiles(entries: RepositoryEntry[]): RepositoryLayout {
  const refusals: Refusal[] = [];
  const ignored: string[] = [];
  const rego: RegoFile[] = [];
  const dataFiles: Array<{ path: string; text: string }> = [];
  const casesFiles: Array<{ path: string; text: string }> = [];
  let manifest: string | null = null;
  for (const entry of [...entries].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    const isRego = entry.path.endsWith(".rego");
    const kind = isRego
      ? "rego"
      : entry.path === ".manifest"
        ? "manifest"
        : DATA_FILE.test(entry.path)
          ? "data"
          : CASES_FILE.test(entry.path)
            ? "cases"
            : null;
    if (!kind) {
      ignored.push(entry.path);
      continue;
    }
    const text = decode(entry);
    if (kind === "rego") rego.push({ path: entry.path, text });
    else if (kind === "data") dataFiles.push({ path: entry.path, text });
    else if (kind === "cases") casesFiles.push({ path: entry.path, text });
    else manifest = text;
  }
  const roots = manifest === null ? null : manifestRoots(manifest, refusals);
  const policies = planPolicies(rego, casesFiles, refusals, ignored);
  const data = planData(dataFiles, refusals);
  if (roots) {
    for (const p of policies)
      if (!isUnderRoots(packageDataPath(p.packagePath), roots))
        refusals.push({
          packagePath: p.packagePath,
          message: `package ${p.packagePath} is outside the manifest's roots`,
        });
    for (const d of data)
      if (!isUnderRoots(d.path, roots))
        refusals.push({ file: d.file, message: `data at ${d.path} is outside the manifest's roots` });
  }
  return { policies, data, ignored, refusals, roots };
}

function decode(entry: RepositoryEntry): string {
  try {
    return utf8.decode(entry.bytes);
  } catch {
    throw new AppError("unprocessable", `${entry.path} is not UTF-8 text; nothing was imported`, {
      fieldErrors: [{ path: entry.path, message: "not valid UTF-8" }],
    });
  }
}

function planPolicies(
  rego: RegoFile[],
  casesFiles: Array<{ path: string; text: string }>,
  refusals: Refusal[],
  ignored: string[],
): PlannedPolicy[] {
  const byPackage = new Map<string, RegoFile[]>();
  const tests: Array<RegoFile & { packagePath: string }> = [];
  for (const file of rego) {
    const declared = declaredPackage(file.text);
    const valid = declared !== null && ZPackagePath.safeParse(declared).success;
    if (!valid) {
      refusals.push({ file: file.path, message: `declares no usable package (${declared ?? "no package line"})` });
      continue;
    }
    if (file.path.endsWith("_test.rego")) tests.push({ ...file, packagePath: declared });
    else (byPackage.get(declared) ?? byPackage.set(declared, []).get(declared)!).push(file);
  }
  const policies: PlannedPolicy[] = [];
  for (const [packagePath, files] of [...byPackage.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const dirs = [...new Set(files.map((f) => dirOf(f.path)))];
    if (dirs.length > 1) {
      refusals.push({
        packagePath,
        message: `package ${packagePath} is declared in more than one directory (${files.map((f) => f.path).join(", ")}); one package lives in one directory`,
      });
      continue;
    }
    const joined = join(files, packagePath, refusals);
    if (!joined) continue;
    policies.push({
      packagePath,
      directory: dirs[0]!,
      files: files.map((f) => f.path).sort(),
      testFiles: [],
      source: joined.source,
      testSource: "",
      origins: joined.origins,
      testOrigins: [],
      cases: null,
      casesFile: null,
    });
  }
  attachTests(policies, tests, refusals);
  attachCases(policies, casesFiles, refusals, ignored);
  return policies;
}

/** A test file belongs to the policy whose package it declares (or that package without `_test`), else to the one policy of its directory. */
function attachTests(
  policies: PlannedPolicy[],
  tests: Array<RegoFile & { packagePath: string }>,
  refusals: Refusal[],
): void {
  const byPackage = new Map(policies.map((p) => [p.packagePath, p]));
  const grouped = new Map<PlannedPolicy, Array<RegoFile & { packagePath: string }>>();
  for (const test of tests) {
    const inDir = policies.filter((p) => p.directory === dirOf(test.path));
    const target =
      byPackage.get(test.packagePath) ??
      byPackage.get(test.packagePath.replace(/_test$/, "")) ??
      (inDir.length === 1 ? inDir[0] : undefined);
    if (!target) {
      refusals.push({
        file: test.path,
        message: `test package ${test.packagePath} belongs to no policy: name it after the package it tests (or ${test.packagePath}'s package without _test), or put it in a directory with exactly one package`,
      });
      continue;
    }
    (grouped.get(target) ?? grouped.set(target, []).get(target)!).push(test);
  }
  for (const [policy, files] of grouped) {
    const packages = [...new Set(files.map((f) => f.packagePath))];
    if (packages.length > 1) {
      refusals.push({
        packagePath: policy.packagePath,
        message: `the tests of ${policy.packagePath} declare different packages (${files.map((f) => `${f.path}: ${f.packagePath}`).join(", ")}); its test module has one package`,
      });
      continue;
    }
    const joined = join(files, policy.packagePath, refusals);
    if (!joined) continue;
    policy.testFiles = files.map((f) => f.path).sort();
    policy.testSource = joined.source;
    policy.testOrigins = joined.origins;
  }
}

function attachCases(
  policies: PlannedPolicy[],
  casesFiles: Array<{ path: string; text: string }>,
  refusals: Refusal[],
  ignored: string[],
): void {
  for (const file of casesFiles) {
    const owners = policies.filter((p) => p.directory === dirOf(file.path));
    if (owners.length !== 1) {
      ignored.push(file.path);
      continue;
    }
    const policy = owners[0]!;
    if (policy.casesFile) {
      refusals.push({ file: file.path, message: `${policy.packagePath} already has its cases in ${policy.casesFile}` });
      continue;
    }
    try {
      const cases = ZTestCases.parse(parseCasesFile(file.path.split("/").pop()!, file.text));
      policy.cases = cases.map(({ name, query, input, data, expected }) => ({ name, query, input, data, expected }));
      policy.casesFile = file.path;
    } catch (error) {
      const detail = error instanceof AppError ? (error.fieldErrors?.[0]?.message ?? error.message) : String(error);
      refusals.push({ file: file.path, message: `is not a valid cases file: ${detail}` });
    }
  }
}

function join(files: RegoFile[], packagePath: string, refusals: Refusal[]) {
  try {
    const joined = joinRegoFiles(files);
    if (Buffer.byteLength(joined.source, "utf8") > MAX_MODULE_BYTES) {
      refusals.push({ packagePath, message: `the module of ${packagePath} is larger than 1 MiB` });
      return null;
    }
    return joined;
  } catch (error) {
    if (!(error instanceof JoinRefusal)) throw error;
    refusals.push({ packagePath, message: error.message });
    return null;
  }
}

const DATA_KEY = /^[A-Za-z0-9_-]+$/;
// The allowlists' own document (lib/allowlists/bundle-allowlists.ts); no imported document may overlap it.
const ALLOWLISTS_PATH = "verdict/allowlists";

function planData(files: Array<{ path: string; text: string }>, refusals: Refusal[]): PlannedData[] {
  const docs: PlannedData[] = [];
  const byPath = new Map<string, string>();
  for (const file of files) {
    let value: unknown;
    try {
      value = file.path.endsWith(".json") ? JSON.parse(file.text) : parseYaml(file.text);
    } catch (error) {
      refusals.push({ file: file.path, message: `does not parse: ${error instanceof Error ? error.message : error}` });
      continue;
    }
    if (!value || typeof value !== "object" || Array.isArray(value)) {
      refusals.push({ file: file.path, message: "a data document must be a JSON object" });
      continue;
    }
    const dir = dirOf(file.path);
    // A data document at the root spreads its keys over data: one document per key.
    const parts = dir
      ? [{ path: dir, value: value as Record<string, unknown> }]
      : Object.entries(value as Record<string, unknown>).map(([key, v]) => ({
          path: key,
          value: v as Record<string, unknown>,
        }));
    for (const part of parts) {
      if (!part.path.split("/").every((s) => DATA_KEY.test(s))) {
        refusals.push({
          file: file.path,
          message: `data path ${part.path} has segments other than letters, digits, _ and -`,
        });
        continue;
      }
      if (!part.value || typeof part.value !== "object" || Array.isArray(part.value)) {
        refusals.push({ file: file.path, message: `data.${part.path.replace(/\//g, ".")} must be a JSON object` });
        continue;
      }
      if (rootsOverlap(part.path, ALLOWLISTS_PATH)) {
        refusals.push({
          file: file.path,
          message: `data at ${part.path} overlaps ${ALLOWLISTS_PATH}, where Verdict ships the allowlists`,
        });
        continue;
      }
      const clash = byPath.get(part.path);
      if (clash) {
        refusals.push({ file: file.path, message: `data at ${part.path} is also given by ${clash}` });
        continue;
      }
      byPath.set(part.path, file.path);
      docs.push({ path: part.path, file: file.path, value: part.value });
    }
  }
  return docs.sort((a, b) => (a.path < b.path ? -1 : 1));
}

function dirOf(path: string): string {
  const at = path.lastIndexOf("/");
  return at < 0 ? "" : path.slice(0, at);
}

function manifestRoots(text: string, refusals: Refusal[]): string[] | null {
  try {
    const parsed = JSON.parse(text) as { roots?: unknown };
    if (parsed.roots === undefined) return null;
    if (Array.isArray(parsed.roots) && parsed.roots.every((r) => typeof r === "string"))
      return (parsed.roots as string[]).includes("")
        ? null
        : (parsed.roots as string[]).map((r) => r.replace(/^\/+|\/+$/g, ""));
    refusals.push({ file: ".manifest", message: "roots must be a list of strings" });
  } catch {
    refusals.push({ file: ".manifest", message: "is not JSON" });
  }
  return null;
}
