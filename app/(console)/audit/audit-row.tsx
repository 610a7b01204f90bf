"use client";

import { Fragment, useState } from "react";
import Link from "next/link";
import type { AuditEventView } from "@/lib/audit/list-audit-events";

export function AuditRow({ event, when, whenTitle }: { event: AuditEventView; when: string; whenTitle: string }) {
  const [open, setOpen] = useState(false);
  return (
    <Fragment>
      <tr>
        <td className="mono small muted">{event.seq}</td>
        <td title={whenTitle} className="nowrap">
          {when}
        </td>
        <td>
          {event.actorLabel}{" "}
          {event.actorType !== "user" ? <span className="badge">{event.actorType.replace("_", " ")}</span> : null}
        </td>
        <td>
          <code>{event.action}</code>
        </td>
        <td className="small">
          {event.targetType}
          {event.targetId ? <TargetLink type={event.targetType} id={event.targetId} /> : null}
        </td>
        <td className="num">
          <button
            type="button"
            className="btn btn-sm btn-ghost"
            aria-expanded={open}
            onClick={() => setOpen((v) => !v)}
          >
            {open ? "Hide" : "Details"}
          </button>
        </td>
      </tr>
      {open ? (
        <tr>
          <td colSpan={6} style={{ background: "var(--surface-2)" }}>
            <div className="grid-2">
              <div>
                <div className="label small">Before</div>
                <pre className="json-view">{JSON.stringify(event.before, null, 2) ?? "—"}</pre>
              </div>
              <div>
                <div className="label small">After</div>
                <pre className="json-view">{JSON.stringify(event.after, null, 2) ?? "—"}</pre>
              </div>
            </div>
            <div className="small muted" style={{ marginTop: 8 }}>
              hash <span className="mono">{event.hash}</span>
              {event.requestId ? (
                <>
                  {" "}
                  · request <span className="mono">{event.requestId}</span>
                </>
              ) : null}
            </div>
          </td>
        </tr>
      ) : null}
    </Fragment>
  );
}

const TARGET_PAGES: Record<string, (id: string) => string> = {
  policy: (id) => `/policies/${id}`,
};

function TargetLink({ type, id }: { type: string; id: string }) {
  const href = TARGET_PAGES[type]?.(id);
  const label = <span className="mono"> {id.slice(0, 8)}</span>;
  return href ? <Link href={href}>{label}</Link> : <span className="muted">{label}</span>;
}
