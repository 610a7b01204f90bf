import { openText, seal } from "@/lib/core/secret-box";
import type { DistributionTarget } from "@/lib/generated/prisma/client";
import { pushOciBundle, readOciBundle } from "@/lib/distribution/oci-registry";
import { putS3Bundle, readS3Bundle } from "@/lib/distribution/s3-object";
import { ZOciCredentials, ZS3Credentials, type TOciCredentials, type TS3Credentials } from "@/lib/distribution/schemas";

type TargetRow = Pick<
  DistributionTarget,
  "id" | "kind" | "url" | "location" | "reference" | "region" | "credentialsSealed"
>;

// Bound to the target's id: sealed credentials copied onto another target do not open there.
const sealContext = (targetId: string) => `distribution-target:${targetId}`;

export function sealTargetCredentials(targetId: string, credentials: TOciCredentials | TS3Credentials): string {
  return seal(JSON.stringify(credentials), sealContext(targetId));
}

function ociCredentials(target: TargetRow): TOciCredentials {
  if (!target.credentialsSealed) return { auth: "none" };
  return ZOciCredentials.parse(JSON.parse(openText(target.credentialsSealed, sealContext(target.id))));
}

function s3Credentials(target: TargetRow): TS3Credentials {
  return ZS3Credentials.parse(JSON.parse(openText(target.credentialsSealed ?? "", sealContext(target.id))));
}

const ociLocation = (t: TargetRow) => ({ url: t.url, repository: t.location, tag: t.reference });
const s3Location = (t: TargetRow) => ({
  url: t.url,
  bucket: t.location,
  key: t.reference,
  region: t.region ?? "us-east-1",
});

/** Stores the signed tarball on the target; the manifest digest for a registry. */
export async function uploadToTarget(
  target: TargetRow,
  bundle: Buffer,
  revision: string,
): Promise<{ manifestDigest: string | null }> {
  if (target.kind === "oci") return pushOciBundle(ociLocation(target), ociCredentials(target), bundle, revision);
  await putS3Bundle(s3Location(target), s3Credentials(target), bundle);
  return { manifestDigest: null };
}

/**
 * What the target serves agents now: the SHA-256 of the tarball's bytes (for a registry, of the
 * layer blob as served, which must also be the digest the manifest names), or null if absent.
 */
export async function readFromTarget(
  target: TargetRow,
): Promise<{ sha256: string; manifestDigest: string | null; layerSha256: string | null } | null> {
  if (target.kind === "oci") {
    const found = await readOciBundle(ociLocation(target), ociCredentials(target));
    return found
      ? { sha256: found.contentSha256, manifestDigest: found.manifestDigest, layerSha256: found.layerSha256 }
      : null;
  }
  const sha256 = await readS3Bundle(s3Location(target), s3Credentials(target));
  return sha256 ? { sha256, manifestDigest: null, layerSha256: null } : null;
}
