import { formatDateTime, timeAgo } from "@/components/format";

export type EntryStatusName = "active" | "expiring" | "expired";

/** Expired grants are still listed (until someone removes them) but never ship to OPA. */
export function EntryStatusBadge({ status, expiresAt }: { status: EntryStatusName; expiresAt: string | null }) {
  if (status === "expired")
    return (
      <span className="badge badge-danger" title={expiresAt ? formatDateTime(expiresAt) : undefined}>
        expired {expiresAt ? timeAgo(expiresAt) : ""}
      </span>
    );
  if (status === "expiring")
    return (
      <span className="badge badge-warn" title={expiresAt ? formatDateTime(expiresAt) : undefined}>
        expires {expiresAt ? timeAgo(expiresAt) : ""}
      </span>
    );
  if (expiresAt)
    return (
      <span className="badge" title={formatDateTime(expiresAt)}>
        until {formatDateTime(expiresAt).slice(0, 11)}
      </span>
    );
  return <span className="badge badge-ok">no expiry</span>;
}

export function MethodBadge({ method }: { method: string }) {
  return (
    <span className={`method-badge method-${method === "*" ? "any" : method.toLowerCase()}`}>
      {method === "*" ? "ANY" : method}
    </span>
  );
}

/** A SPIFFE ID that wraps at path separators rather than mid-segment. */
export function SpiffeIdText({ id }: { id: string }) {
  const [scheme, rest] = id.startsWith("spiffe://") ? ["spiffe://", id.slice(9)] : ["", id];
  const parts = rest.split("/");
  return (
    <span className="spiffe-id">
      {scheme}
      {parts.map((p, i) => (
        <span key={i}>
          {i > 0 ? (
            <>
              /<wbr />
            </>
          ) : null}
          {p}
        </span>
      ))}
    </span>
  );
}
