"use client";

import Link from "next/link";
import { api } from "@/components/api-client";
import { timeAgo } from "@/components/format";
import { useApiAction } from "@/components/use-api-action";
import type { NoticeView } from "@/lib/recertification/notices";

export function NoticeList({ notices }: { notices: NoticeView[] }) {
  const { busy, run } = useApiAction();
  return (
    <section className="card" aria-labelledby="notices-title">
      <div className="card-header">
        <h2 id="notices-title">Your notices</h2>
      </div>
      <ul className="card-body stack" style={{ listStyle: "none", margin: 0 }}>
        {notices.map((n) => (
          <li key={n.id} className={n.read ? "muted" : undefined}>
            {n.link ? <Link href={n.link}>{n.title}</Link> : n.title}{" "}
            <span className="small muted">{timeAgo(n.createdAt)}</span>{" "}
            {n.read ? null : (
              <button
                type="button"
                className="btn btn-sm"
                disabled={busy}
                onClick={() =>
                  run(() => api(`/api/v1/recertification/notices/${n.id}/read`, { method: "POST" }), {
                    done: () => "Marked as read",
                    failed: "Could not mark the notice as read",
                  })
                }
              >
                Mark read
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
