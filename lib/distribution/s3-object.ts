import aws4 from "aws4";
import { sha256Hex } from "@/lib/core/sha256";
import type { TS3Credentials } from "@/lib/distribution/schemas";
import { readBounded, remoteFetch, unexpectedStatus } from "@/lib/distribution/remote-request";

export type S3Location = { url: string; bucket: string; key: string; region: string };

/** Path-style address (`<endpoint>/<bucket>/<key>`), which every S3-compatible server accepts. */
export function s3ObjectPath(location: S3Location): string {
  return `/${location.bucket}/${location.key.split("/").map(encodeURIComponent).join("/")}`;
}

function signed(
  location: S3Location,
  credentials: TS3Credentials,
  method: "GET" | "PUT",
  body?: Buffer,
): { url: string; headers: Record<string, string> } {
  const endpoint = new URL(location.url);
  const headers: Record<string, string> = {};
  if (body) {
    headers["content-type"] = "application/gzip";
    headers["x-amz-content-sha256"] = sha256Hex(body);
  }
  const request = aws4.sign(
    {
      host: endpoint.host,
      path: s3ObjectPath(location),
      method,
      service: "s3",
      region: location.region,
      headers,
      body,
    },
    { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
  );
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    // fetch sets Host and Content-Length itself (and refuses to be told them).
    if (!/^(host|content-length)$/i.test(name)) out[name] = String(value);
  }
  return { url: `${endpoint.origin}${request.path}`, headers: out };
}

/** PUT of the signed tarball, SigV4-signed over its SHA-256 (so a corrupted upload is refused). */
export async function putS3Bundle(location: S3Location, credentials: TS3Credentials, bundle: Buffer): Promise<void> {
  const { url, headers } = signed(location, credentials, "PUT", bundle);
  const res = await remoteFetch(url, { method: "PUT", headers, body: new Uint8Array(bundle) });
  if (!res.ok) throw await unexpectedStatus(res, `PUT ${location.bucket}/${location.key}`);
  await res.body?.cancel();
}

/** The SHA-256 of the object as the bucket serves it now, or null when it is not there. */
export async function readS3Bundle(location: S3Location, credentials: TS3Credentials): Promise<string | null> {
  const { url, headers } = signed(location, credentials, "GET");
  const res = await remoteFetch(url, { headers });
  if (res.status === 404) {
    await res.body?.cancel();
    return null;
  }
  if (!res.ok) throw await unexpectedStatus(res, `GET ${location.bucket}/${location.key}`);
  return sha256Hex(await readBounded(res));
}
