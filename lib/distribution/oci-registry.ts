import { sha256Hex } from "@/lib/core/sha256";
import type { TOciCredentials } from "@/lib/distribution/schemas";
import { readBounded, remoteFetch, TargetError, unexpectedStatus } from "@/lib/distribution/remote-request";

/** What OPA's OCI downloader looks for: the first layer of this media type is the bundle tarball. */
export const BUNDLE_LAYER_MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip";
export const CONFIG_MEDIA_TYPE = "application/vnd.oci.image.config.v1+json";
export const MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json";
const EMPTY_CONFIG = Buffer.from("{}");

export type OciLocation = { url: string; repository: string; tag: string };

/**
 * A session with one repository of one registry: plain, basic or static bearer credentials,
 * and the token flow of the distribution spec (a 401 with `WWW-Authenticate: Bearer realm=…`
 * is answered by fetching a token from the realm, with the basic credentials when there are any).
 */
class RegistrySession {
  private authorization: string | undefined;

  constructor(
    private readonly location: OciLocation,
    private readonly credentials: TOciCredentials,
  ) {
    if (credentials.auth === "basic") this.authorization = basicHeader(credentials.username, credentials.password);
    if (credentials.auth === "bearer") this.authorization = `Bearer ${credentials.token}`;
  }

  url(path: string): string {
    return `${this.location.url}/v2/${this.location.repository}/${path}`;
  }

  async request(
    url: string,
    init: RequestInit & { headers?: Record<string, string>; follow?: boolean } = {},
  ): Promise<Response> {
    const send = () =>
      remoteFetch(url, {
        ...init,
        headers: { ...init.headers, ...(this.authorization ? { authorization: this.authorization } : {}) },
      });
    const first = await send();
    if (first.status !== 401) return first;
    const fresh = await this.answerChallenge(first.headers.get("www-authenticate") ?? "");
    if (!fresh) return first;
    await first.body?.cancel();
    this.authorization = fresh;
    return send();
  }

  private async answerChallenge(challenge: string): Promise<string | null> {
    const scheme = challenge.split(" ", 1)[0]!.toLowerCase();
    if (scheme === "basic") {
      return this.credentials.auth === "basic" && !this.authorization?.startsWith("Basic ")
        ? basicHeader(this.credentials.username, this.credentials.password)
        : null;
    }
    if (scheme !== "bearer") return null;
    const params = Object.fromEntries(
      [...challenge.slice(7).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!.toLowerCase(), m[2]!]),
    );
    if (!params.realm) return null;
    const tokenUrl = new URL(params.realm);
    if (params.service) tokenUrl.searchParams.set("service", params.service);
    tokenUrl.searchParams.set("scope", params.scope ?? `repository:${this.location.repository}:pull,push`);
    const headers: Record<string, string> =
      this.credentials.auth === "basic"
        ? { authorization: basicHeader(this.credentials.username, this.credentials.password) }
        : {};
    const response = await remoteFetch(tokenUrl.toString(), { headers });
    if (!response.ok) throw await unexpectedStatus(response, "the registry's token service refused the credentials");
    const body = (await response.json().catch(() => ({}))) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new TargetError("the registry's token service answered without a token");
    return `Bearer ${token}`;
  }
}

function basicHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
}

/** The manifest Verdict pushes: an empty config and the signed tarball as the one layer. */
export function bundleManifest(bundle: Buffer, revision: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_MEDIA_TYPE,
      config: { mediaType: CONFIG_MEDIA_TYPE, digest: `sha256:${sha256Hex(EMPTY_CONFIG)}`, size: EMPTY_CONFIG.length },
      layers: [
        {
          mediaType: BUNDLE_LAYER_MEDIA_TYPE,
          digest: `sha256:${sha256Hex(bundle)}`,
          size: bundle.length,
          annotations: { "org.opencontainers.image.title": "bundle.tar.gz" },
        },
      ],
      annotations: { "org.opencontainers.image.revision": revision },
    }),
  );
}

/**
 * Pushes the signed tarball as an OCI artifact and tags it: each blob by a monolithic upload
 * (POST to open a session, PUT with the digest), skipped when the registry already has it,
 * then the manifest by tag. Returns the manifest's digest.
 */
export async function pushOciBundle(
  location: OciLocation,
  credentials: TOciCredentials,
  bundle: Buffer,
  revision: string,
): Promise<{ manifestDigest: string }> {
  const session = new RegistrySession(location, credentials);
  await pushBlob(session, EMPTY_CONFIG);
  await pushBlob(session, bundle);
  const manifest = bundleManifest(bundle, revision);
  const manifestDigest = `sha256:${sha256Hex(manifest)}`;
  const put = await session.request(session.url(`manifests/${location.tag}`), {
    method: "PUT",
    headers: { "content-type": MANIFEST_MEDIA_TYPE },
    body: new Uint8Array(manifest),
  });
  if (put.status !== 201) throw await unexpectedStatus(put, `pushing the manifest to ${location.repository}`);
  await put.body?.cancel();
  const answered = put.headers.get("docker-content-digest");
  if (answered && answered !== manifestDigest)
    throw new TargetError(`the registry stored the manifest as ${answered}, expected ${manifestDigest}`);
  return { manifestDigest };
}

async function pushBlob(session: RegistrySession, blob: Buffer): Promise<void> {
  const digest = `sha256:${sha256Hex(blob)}`;
  const head = await session.request(session.url(`blobs/${digest}`), { method: "HEAD" });
  if (head.status === 200) return;
  const start = await session.request(session.url("blobs/uploads/"), {
    method: "POST",
    headers: { "content-length": "0" },
  });
  if (start.status !== 202) throw await unexpectedStatus(start, "opening a blob upload");
  await start.body?.cancel();
  const location = start.headers.get("location");
  if (!location) throw new TargetError("the registry opened a blob upload without a Location");
  const target = new URL(location, session.url(""));
  target.searchParams.set("digest", digest);
  const put = await session.request(target.toString(), {
    method: "PUT",
    headers: { "content-type": "application/octet-stream" },
    body: new Uint8Array(blob),
  });
  if (put.status !== 201) throw await unexpectedStatus(put, `uploading blob ${digest.slice(0, 19)}…`);
  await put.body?.cancel();
}

/** What the tag points at now: the manifest's digest and the digest of the bundle layer's bytes. */
export async function readOciBundle(
  location: OciLocation,
  credentials: TOciCredentials,
): Promise<{ manifestDigest: string; layerSha256: string; contentSha256: string } | null> {
  const session = new RegistrySession(location, credentials);
  const res = await session.request(session.url(`manifests/${location.tag}`), {
    headers: { accept: MANIFEST_MEDIA_TYPE },
  });
  if (res.status === 404) {
    await res.body?.cancel();
    return null;
  }
  if (!res.ok) throw await unexpectedStatus(res, `reading the manifest of ${location.repository}`);
  const manifest = await readBounded(res);
  let layers: Array<{ mediaType?: string; digest?: string }> = [];
  try {
    layers = (JSON.parse(manifest.toString("utf8")) as { layers?: typeof layers }).layers ?? [];
  } catch {
    throw new TargetError("the tag points at something that is not a JSON manifest");
  }
  const layer = layers.find((l) => l.mediaType === BUNDLE_LAYER_MEDIA_TYPE);
  if (!layer?.digest?.startsWith("sha256:")) throw new TargetError("the manifest has no bundle layer");
  const blob = await session.request(session.url(`blobs/${layer.digest}`), { follow: true });
  if (!blob.ok) throw await unexpectedStatus(blob, `reading the bundle layer of ${location.repository}`);
  return {
    manifestDigest: `sha256:${sha256Hex(manifest)}`,
    layerSha256: layer.digest.slice(7),
    contentSha256: sha256Hex(await readBounded(blob)),
  };
}
