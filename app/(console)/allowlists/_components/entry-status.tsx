import Link from "next/link";
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

/** A caller's SPIFFE ID, linking to what it may call. */
export function CallerLink({ caller }: { caller: string }) {
  return (
    <Link className="mono" href={`/allowlists/callers?id=${encodeURIComponent(caller)}`}>
      <SpiffeIdText id={caller} />
    </Link>
  );
}

/** A service's name, linking to its endpoints. */
export function ServiceLink({ service }: { service: string }) {
  return (
    <Link className="table-link" href={`/allowlists/services/${service}`}>
      {service}
    </Link>
  );
}

/** An endpoint: its method and path pattern. */
export function EndpointLabel({ method, path }: { method: string; path: string }) {
  return (
    <div className="row">
      <MethodBadge method={method} />
      <code>{path}</code>
    </div>
  );
}

/** Two table cells: the service and the endpoint of a grant. */
export function ServiceEndpointCells({ service, method, path }: { service: string; method: string; path: string }) {
  return (
    <>
      <td>
        <ServiceLink service={service} />
      </td>
      <td>
        <EndpointLabel method={method} path={path} />
      </td>
    </>
  );
}

/** Marks a grant to a caller of another trust domain (nothing for the same one). */
export function CrossTrustDomainBadge({ cross }: { cross: boolean }) {
  if (!cross) return null;
  return (
    <div>
      <span className="badge badge-accent">cross-trust-domain</span>
    </div>
  );
}

/** Who owns a grant and why it exists. */
export function OwnerReason({ owner, reason }: { owner: string; reason: string }) {
  return (
    <>
      <div>{owner}</div>
      <div className="muted small">{reason}</div>
    </>
  );
}
