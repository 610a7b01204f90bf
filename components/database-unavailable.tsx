import { AlertIcon } from "@/components/icons";

/**
 * What a console page shows while PostgreSQL is unreachable, instead of a crash. It says what
 * still works (agents keep their bundles and keep deciding; their decision logs wait on the
 * agents) and that the page comes back by itself. Server-rendered, so it needs no JavaScript;
 * `reloadSeconds` adds a meta refresh for the pages that cannot poll on their own.
 */
export function DatabaseUnavailable({
  reloadSeconds,
  children,
}: {
  reloadSeconds?: number;
  children?: React.ReactNode;
}) {
  return (
    <div className="page">
      {reloadSeconds ? <meta httpEquiv="refresh" content={String(reloadSeconds)} /> : null}
      <div className="card empty db-unavailable" role="alert" aria-live="assertive">
        <div className="empty-icon" style={{ background: "var(--danger-soft)", color: "var(--danger)" }}>
          <AlertIcon />
        </div>
        <h2>Database unavailable</h2>
        <p>
          Verdict cannot reach its PostgreSQL database right now, so this page cannot be shown and nothing can be
          changed. OPA agents keep the bundles they have and keep deciding; their decision logs wait on the agents and
          arrive once the database is back.
        </p>
        <p className="small">This page reloads by itself when the database answers again.</p>
        {children}
      </div>
    </div>
  );
}
