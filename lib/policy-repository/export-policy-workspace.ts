import { db } from "@/lib/core/db";
import { packTarGz, type TarFile } from "@/lib/core/tarball";
import { requirePermission, type Actor } from "@/lib/auth/actor";
import { policyFilePath } from "@/lib/rego/policy-module";
import { CASES_FILE, toPolicyFiles } from "@/lib/policy-tests/policy-files";
import { readStoredCases } from "@/lib/policy-tests/test-suite";
import { testFilePath } from "@/lib/policy-repository/preview-repository-import";

// A fixed timestamp keeps the archive byte-identical for identical content.
const MTIME = new Date("2000-01-01T00:00:00Z");

/**
 * Every policy at its head version and every imported data document as one folder tree
 * (docs/repository-layout.md): `opa test .` and `opa build .` run on it unchanged, and importing it
 * again changes nothing.
 */
export async function exportPolicyWorkspace(options: { actor: Actor }): Promise<{ files: TarFile[]; tarGz: Buffer }> {
  requirePermission(options.actor, "policy:read");
  const policies = await db.policy.findMany({
    where: { headNumber: { gt: 0 } },
    select: { id: true, packagePath: true, headNumber: true },
    orderBy: { packagePath: "asc" },
  });
  const heads = policies.length
    ? await db.policyVersion.findMany({
        where: { OR: policies.map((p) => ({ policyId: p.id, number: p.headNumber })) },
        select: { policyId: true, source: true, testSource: true, testCases: true },
      })
    : [];
  const byPolicy = new Map(heads.map((h) => [h.policyId, h]));
  const files: TarFile[] = [];
  for (const policy of policies) {
    const head = byPolicy.get(policy.id);
    if (!head) continue;
    const cases = readStoredCases(head.testCases);
    const written = toPolicyFiles(head.source, head.testSource, cases);
    const dir = policyFilePath(policy.packagePath).replace(/policy\.rego$/, "");
    files.push({ name: policyFilePath(policy.packagePath), content: Buffer.from(head.source, "utf8") });
    if (head.testSource.trim())
      files.push({ name: testFilePath(policy.packagePath), content: Buffer.from(head.testSource, "utf8") });
    if (cases.length) files.push({ name: `${dir}${CASES_FILE}`, content: Buffer.from(written[CASES_FILE]!, "utf8") });
  }
  const docs = await db.repositoryDataDocument.findMany({
    select: { path: true, value: true },
    orderBy: { path: "asc" },
  });
  for (const doc of docs)
    files.push({
      name: `${doc.path}/data.json`,
      content: Buffer.from(`${JSON.stringify(doc.value, null, 2)}\n`, "utf8"),
    });
  files.sort((a, b) => (a.name < b.name ? -1 : 1));
  return { files, tarGz: await packTarGz(files, MTIME) };
}
