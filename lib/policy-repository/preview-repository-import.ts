import { createHash } from "node:crypto";
import { db } from "@/lib/core/db";
import { canonicalJson } from "@/lib/core/canonical-json";
import { sha256Hex } from "@/lib/core/sha256";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { checkModules } from "@/lib/opa/check";
import { convertRegoV0ToV1, detectRegoVersion } from "@/lib/opa/convert-v0";
import type { RegoError, RegoModule } from "@/lib/opa/types";
import { policyFilePath } from "@/lib/rego/policy-module";
import { readStoredCases, testsSha256, type TestSuite } from "@/lib/policy-tests/test-suite";
import { originOf } from "@/lib/policy-repository/join-rego-files";
import {
  planRepositoryFiles,
  type PlannedData,
  type PlannedPolicy,
  type Refusal,
} from "@/lib/policy-repository/plan-repository-files";
import type { RepositoryEntry } from "@/lib/policy-repository/read-repository-upload";

export type ImportStatus = "new" | "changed" | "unchanged";

export type PolicyPlanItem = {
  packagePath: string;
  directory: string;
  files: string[];
  testFiles: string[];
  casesFile: string | null;
  status: ImportStatus;
  /** What differs from the head version: source, tests (the Rego test module), cases. */
  changes: Array<"source" | "tests" | "cases">;
  policyId: string | null;
  headVersion: number | null;
};

export type DataPlanItem = { path: string; file: string; status: ImportStatus };

export type RepositoryPreview = {
  policies: PolicyPlanItem[];
  data: DataPlanItem[];
  /** What Verdict holds that the repository does not mention: left as it is. */
  untouched: { policies: string[]; data: string[] };
  ignored: { count: number; files: string[] };
  /** Files written in Rego v0, imported as converted by `opa fmt --v0-v1`. */
  convertedFromV0: string[];
  refusals: Refusal[];
  roots: string[] | null;
  summary: { new: number; changed: number; unchanged: number; refused: number; dataChanged: number };
  /** Names this exact plan against this exact state: apply refuses a plan that moved since the preview. */
  planHash: string;
};

/** The preview and what apply writes from it. */
export type RepositoryPlan = {
  preview: RepositoryPreview;
  writes: {
    policies: Array<{ item: PolicyPlanItem; planned: PlannedPolicy; suite: TestSuite; sha256: string }>;
    data: Array<{ item: DataPlanItem; planned: PlannedData; sha256: string; id: string | null }>;
  };
};

const MAX_LISTED_IGNORED = 200;

/**
 * What importing the files would do, with nothing written: every package's policy and whether it
 * is new, changed or unchanged, which tests and cases attach to it, the data documents, and what
 * is refused. The whole set is compiled in one `opa check` together with every other policy, so
 * packages that import each other's libraries are checked as they will run.
 */
export async function previewRepositoryImport(options: {
  actor: Actor;
  entries: RepositoryEntry[];
}): Promise<RepositoryPlan> {
  requirePermission(options.actor, "policy:read");
  const heads = await loadHeads();
  let layout = planRepositoryFiles(options.entries);
  let compiled = await compileTogether(layout.policies, heads);
  const v0 = compiled.unparsed.size ? await convertV0Files(options.entries, compiled.unparsed) : null;
  if (v0?.converted.length) {
    layout = planRepositoryFiles(v0.entries);
    compiled = await compileTogether(layout.policies, heads);
  }
  const byPackage = new Map(heads.map((h) => [h.packagePath, h]));
  const policies = layout.policies.map((planned) => {
    const head = byPackage.get(planned.packagePath);
    const suite: TestSuite = {
      testSource: planned.testSource,
      cases:
        planned.cases && !(head && sameCases(planned.cases, head.cases))
          ? planned.cases.map((c) => ({ ...c, id: "" }))
          : (head?.cases ?? []),
    };
    const sha256 = sha256Hex(planned.source);
    const suiteSha = testsSha256(suite);
    const changes: PolicyPlanItem["changes"] = [];
    if (head && head.sha256 !== sha256) changes.push("source");
    if (head && head.testSource !== planned.testSource) changes.push("tests");
    if (
      head &&
      testsSha256({ testSource: "", cases: head.cases }) !== testsSha256({ testSource: "", cases: suite.cases })
    )
      changes.push("cases");
    const item: PolicyPlanItem = {
      packagePath: planned.packagePath,
      directory: planned.directory,
      files: planned.files,
      testFiles: planned.testFiles,
      casesFile: planned.casesFile,
      status: !head ? "new" : head.sha256 === sha256 && head.testsSha256 === suiteSha ? "unchanged" : "changed",
      changes,
      policyId: head?.policyId ?? null,
      headVersion: head?.number ?? null,
    };
    return { item, planned, suite, sha256 };
  });
  const refusals = [...layout.refusals, ...(v0?.refusals ?? []), ...compiled.refusals];
  const data = await planDataWrites(layout.data);
  const inRepo = new Set(layout.policies.map((p) => p.packagePath));
  const dataInRepo = new Set(layout.data.map((d) => d.path));
  const storedData = await db.repositoryDataDocument.findMany({ select: { path: true }, orderBy: { path: "asc" } });
  const count = (status: ImportStatus) => policies.filter((p) => p.item.status === status).length;
  const preview: Omit<RepositoryPreview, "planHash"> = {
    policies: policies.map((p) => p.item),
    data: data.map((d) => d.item),
    untouched: {
      policies: heads.filter((h) => !inRepo.has(h.packagePath)).map((h) => h.packagePath),
      data: storedData.filter((d) => !dataInRepo.has(d.path)).map((d) => d.path),
    },
    ignored: { count: layout.ignored.length, files: layout.ignored.slice(0, MAX_LISTED_IGNORED) },
    convertedFromV0: v0?.converted ?? [],
    refusals,
    roots: layout.roots,
    summary: {
      new: count("new"),
      changed: count("changed"),
      unchanged: count("unchanged"),
      refused: refusals.length,
      dataChanged: data.filter((d) => d.item.status !== "unchanged").length,
    },
  };
  const planHash = createHash("sha256")
    .update(
      canonicalJson({
        policies: policies.map((p) => [
          p.item.packagePath,
          p.item.status,
          p.item.headVersion,
          p.sha256,
          testsSha256(p.suite),
        ]),
        data: data.map((d) => [d.item.path, d.item.status, d.sha256]),
        refusals: refusals.length,
      }),
    )
    .digest("hex");
  return { preview: { ...preview, planHash }, writes: { policies, data } };
}

type Head = {
  policyId: string;
  packagePath: string;
  number: number;
  source: string;
  sha256: string;
  testSource: string;
  testsSha256: string;
  cases: TestSuite["cases"];
};

async function loadHeads(): Promise<Head[]> {
  const rows = await db.policy.findMany({
    where: { headNumber: { gt: 0 } },
    select: { id: true, packagePath: true, headNumber: true },
    orderBy: { packagePath: "asc" },
  });
  if (rows.length === 0) return [];
  const versions = await db.policyVersion.findMany({
    where: { OR: rows.map((r) => ({ policyId: r.id, number: r.headNumber })) },
    select: {
      policyId: true,
      number: true,
      source: true,
      sha256: true,
      testSource: true,
      testsSha256: true,
      testCases: true,
    },
  });
  const byId = new Map(versions.map((v) => [v.policyId, v]));
  return rows.flatMap((r) => {
    const v = byId.get(r.id);
    if (!v) return [];
    return [
      {
        policyId: r.id,
        packagePath: r.packagePath,
        number: v.number,
        source: v.source,
        sha256: v.sha256,
        testSource: v.testSource,
        testsSha256: v.testsSha256,
        cases: readStoredCases(v.testCases),
      },
    ];
  });
}

export const testFilePath = (packagePath: string) =>
  policyFilePath(packagePath).replace(/policy\.rego$/, "policy_test.rego");

/**
 * One `opa check` over the repository's modules and tests and every other policy's head; errors
 * point at the repository's own files. `unparsed` are the policies with a module that did not parse.
 */
async function compileTogether(
  planned: PlannedPolicy[],
  heads: Head[],
): Promise<{ refusals: Refusal[]; unparsed: Set<PlannedPolicy> }> {
  const inRepo = new Set(planned.map((p) => p.packagePath));
  const where = new Map<string, { policy: PlannedPolicy | null; packagePath: string; test: boolean }>();
  const modules: RegoModule[] = [];
  for (const head of heads) {
    if (inRepo.has(head.packagePath)) continue;
    const path = policyFilePath(head.packagePath);
    where.set(path, { policy: null, packagePath: head.packagePath, test: false });
    modules.push({ path, source: head.source });
  }
  for (const p of planned) {
    const path = policyFilePath(p.packagePath);
    where.set(path, { policy: p, packagePath: p.packagePath, test: false });
    modules.push({ path, source: p.source });
    if (p.testSource) {
      const testPath = testFilePath(p.packagePath);
      where.set(testPath, { policy: p, packagePath: p.packagePath, test: true });
      modules.push({ path: testPath, source: p.testSource });
    }
  }
  const unparsed = new Set<PlannedPolicy>();
  if (modules.length === 0) return { refusals: [], unparsed };
  const errors = await checkCached(modules);
  const refusals = errors.map((error): Refusal => {
    const owner = error.file ? where.get(error.file) : undefined;
    if (!owner) return { message: `${error.code}: ${error.message}` };
    if (!owner.policy)
      return {
        packagePath: owner.packagePath,
        message: `the existing policy ${owner.packagePath} no longer compiles with this repository: ${error.message}`,
      };
    if (error.code === "rego_parse_error") unparsed.add(owner.policy);
    const origin = originOf(owner.test ? owner.policy.testOrigins : owner.policy.origins, error.row ?? 1);
    return {
      file: origin.file,
      packagePath: owner.packagePath,
      message: `line ${origin.row}: ${error.code}: ${error.message}`,
    };
  });
  return { refusals, unparsed };
}

// `opa check` is a pure function of the modules: apply right after its preview, or a re-import of
// the same repository, compiles exactly the set the preview did.
const checked = new Map<string, RegoError[]>();
const CHECKS_KEPT = 8;

async function checkCached(modules: RegoModule[]): Promise<RegoError[]> {
  const hash = createHash("sha256");
  for (const m of modules) hash.update(m.path).update("\0").update(m.source).update("\0");
  const key = hash.digest("hex");
  const hit = checked.get(key);
  if (hit) return hit;
  const { errors } = await checkModules(modules, { timeoutMs: 120_000 });
  if (errors.some((e) => e.code === "opa_error")) return errors;
  if (checked.size >= CHECKS_KEPT) checked.delete(checked.keys().next().value!);
  checked.set(key, errors);
  return errors;
}

const CONVERSIONS_AT_ONCE = 4;

/** The files of packages that did not parse, with each Rego v0 file among them converted to v1. */
async function convertV0Files(entries: RepositoryEntry[], unparsed: Set<PlannedPolicy>) {
  const paths = new Set([...unparsed].flatMap((p) => [...p.files, ...p.testFiles]));
  const candidates = entries.filter((e) => paths.has(e.path));
  const replaced = new Map<string, Buffer>();
  const refusals: Refusal[] = [];
  for (let i = 0; i < candidates.length; i += CONVERSIONS_AT_ONCE) {
    await Promise.all(
      candidates.slice(i, i + CONVERSIONS_AT_ONCE).map(async (entry) => {
        const text = entry.bytes.toString("utf8");
        if ((await detectRegoVersion(text)) !== "v0") return;
        const result = await convertRegoV0ToV1(text);
        if ("error" in result)
          refusals.push({
            file: entry.path,
            message: `is Rego v0 and opa fmt --v0-v1 cannot convert it: ${result.error}`,
          });
        else replaced.set(entry.path, Buffer.from(result.source, "utf8"));
      }),
    );
  }
  return {
    entries: entries.map((e) => (replaced.has(e.path) ? { path: e.path, bytes: replaced.get(e.path)! } : e)),
    converted: [...replaced.keys()].sort(),
    refusals,
  };
}

async function planDataWrites(planned: PlannedData[]): Promise<RepositoryPlan["writes"]["data"]> {
  const stored = await db.repositoryDataDocument.findMany({
    where: { path: { in: planned.map((d) => d.path) } },
    select: { id: true, path: true, sha256: true },
  });
  const byPath = new Map(stored.map((s) => [s.path, s]));
  return planned.map((d) => {
    const sha256 = sha256Hex(canonicalJson(d.value));
    const existing = byPath.get(d.path);
    const status: ImportStatus = !existing ? "new" : existing.sha256 === sha256 ? "unchanged" : "changed";
    return { item: { path: d.path, file: d.file, status }, planned: d, sha256, id: existing?.id ?? null };
  });
}

// cases.json holds JSON values; a version holds their text. The same values are the same cases.
function sameCases(a: Array<Omit<TestSuite["cases"][number], "id">>, b: TestSuite["cases"]): boolean {
  const norm = (cases: typeof a) =>
    canonicalJson(cases.map((c) => [c.name, c.query, jsonOrText(c.input), jsonOrText(c.data), jsonOrText(c.expected)]));
  return norm(a) === norm(b);
}

function jsonOrText(text: string): unknown {
  if (!text.trim()) return null;
  try {
    return { json: JSON.parse(text) as unknown };
  } catch {
    return { text };
  }
}
