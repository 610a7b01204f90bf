import { notFound } from "@/lib/core/errors";
import { preferredWaitSeconds } from "@/lib/bundles/prefer-header";
import { servedRevisionFor, waitForNewRevision, type ServedRevision } from "@/lib/bundles/bundle-cache";

/** Exactly this, with no parameters: anything else makes OPA fall back from long to periodic polling. */
export const BUNDLE_CONTENT_TYPE = "application/vnd.openpolicyagent.bundles";
export const MAX_LONG_POLL_SECONDS = 300;

/**
 * The OPA bundle protocol for one request, from memory: 200 with the tarball when the agent's
 * ETag is not the current one; otherwise 304 — at once for a plain poll, or, when OPA asks to
 * long-poll (Prefer: …;wait=N), after holding the request until a new revision is published
 * or N seconds pass. (An immediate 304 to a long poll would send OPA into a hot loop.)
 */
export async function serveBundle(
  name: string,
  headers: Headers,
  options: { signal?: AbortSignal; reauthorize?: () => Promise<unknown>; credentialId?: string | null } = {},
): Promise<Response> {
  const credentialId = options.credentialId ?? null;
  const current = await servedRevisionFor(name, credentialId);
  if (!current) throw notFound("A published revision of this bundle");
  const ifNoneMatch = headers.get("if-none-match");
  if (!ifNoneMatch || !etagMatches(ifNoneMatch, current.etag)) return bundleResponse(current);
  const wait = preferredWaitSeconds(headers.get("prefer"), MAX_LONG_POLL_SECONDS);
  if (wait !== null) {
    const next = await waitForNewRevision(name, current.etag, wait * 1000, options.signal, credentialId);
    // A long poll can outlive its credential: a revoke during the wait must not deliver the new revision.
    await options.reauthorize?.();
    if (next) return bundleResponse(next);
  }
  return new Response(null, { status: 304, headers: { "content-type": BUNDLE_CONTENT_TYPE, etag: current.etag } });
}

function bundleResponse(revision: ServedRevision): Response {
  return new Response(revision.bytes as Uint8Array<ArrayBuffer>, {
    status: 200,
    headers: { "content-type": BUNDLE_CONTENT_TYPE, etag: revision.etag },
  });
}

/** If-None-Match may list several tags (`"a", "b"`) or be `*`; a weak prefix compares equal here. */
export function etagMatches(header: string, etag: string): boolean {
  if (header === etag) return true;
  return header.split(",").some((candidate) => {
    const tag = candidate.trim();
    return tag === "*" || tag === etag || tag.replace(/^W\//, "") === etag;
  });
}
