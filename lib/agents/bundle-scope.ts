import { db } from "@/lib/core/db";
import { AppError } from "@/lib/core/errors";
import { listedPublicKeys as signingPublicKeys } from "@/lib/bundles/signing-keys";

/** Refuses bundle names that do not exist (422), so a typo does not silently scope a credential to nothing. */
export async function assertBundlesExist(names: string[]): Promise<void> {
  if (names.length === 0) return;
  const found = new Set(
    (await db.bundle.findMany({ where: { name: { in: names } }, select: { name: true } })).map((b) => b.name),
  );
  const missing = names.filter((n) => !found.has(n));
  if (missing.length > 0) {
    throw new AppError("unprocessable", `No bundle named ${missing.join(", ")}`, {
      fieldErrors: missing.map((n) => ({ path: "body.bundles", message: `unknown bundle ${n}` })),
    });
  }
}

/** Public keys agents must trust: every signing key that is not retired. */
export async function listedPublicKeys(): Promise<Array<{ kid: string; algorithm: string; publicKeyPem: string }>> {
  return signingPublicKeys();
}

/** Bundle names an admin may scope a credential to. */
export async function bundleNamesForCredentials(): Promise<string[]> {
  return (await db.bundle.findMany({ orderBy: { name: "asc" }, select: { name: true } })).map((b) => b.name);
}
