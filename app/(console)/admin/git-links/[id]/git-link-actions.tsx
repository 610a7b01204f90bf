"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { api } from "@/components/api-client";
import { CopyButton } from "@/components/copy-button";
import { useApiAction } from "@/components/use-api-action";
import type { GitLinkView } from "@/lib/git-sync/git-link-view";

/** Fetch now, take a force-pushed head, dismiss a push conflict, rotate the webhook secret, unlink. */
export function GitLinkActions({ link }: { link: GitLinkView }) {
  const router = useRouter();
  const { busy, run } = useApiAction();
  const [secret, setSecret] = useState<string | null>(null);
  const base = `/api/v1/git-links/${link.id}`;
  return (
    <div className="row" style={{ flexWrap: "wrap" }}>
      <button
        type="button"
        className="btn btn-sm btn-primary"
        disabled={busy}
        onClick={() =>
          void run(() => api<{ state: string; changeRequests: number[] }>(`${base}/sync`, { method: "POST" }), {
            done: (r) =>
              r.state === "ok" ? `Fetched; ${r.changeRequests.length} new change request(s)` : `Fetched: ${r.state}`,
            failed: "Fetch failed",
          })
        }
      >
        Fetch now
      </button>
      {link.state === "force_pushed" && link.remoteHeadSha ? (
        <button
          type="button"
          className="btn btn-sm btn-danger"
          disabled={busy}
          onClick={() =>
            void run(() => api(`${base}/accept-head`, { body: { sha: link.remoteHeadSha } }), {
              done: () => "The new head is the base; its tree is proposed as one change request",
              failed: "Failed",
            })
          }
        >
          Take the force-pushed head {link.remoteHeadSha.slice(0, 8)}…
        </button>
      ) : null}
      {link.conflict ? (
        <button
          type="button"
          className="btn btn-sm"
          disabled={busy}
          onClick={() =>
            void run(() => api(`${base}/dismiss-conflict`, { method: "POST" }), {
              done: () => "Conflict dismissed",
              failed: "Failed",
            })
          }
        >
          Dismiss conflict
        </button>
      ) : null}
      <button
        type="button"
        className="btn btn-sm"
        disabled={busy}
        onClick={() =>
          void run(() => api<{ webhookSecret: string }>(`${base}/webhook-secret`, { method: "POST" }), {
            done: (r) => {
              setSecret(r.webhookSecret);
              return "New webhook secret: copy it into the repository's webhook settings";
            },
            failed: "Failed",
          })
        }
      >
        Rotate webhook secret
      </button>
      <button
        type="button"
        className="btn btn-sm btn-danger"
        disabled={busy}
        onClick={() => {
          if (!window.confirm(`Unlink ${link.name}? Change requests and versions it made stay.`)) return;
          void run(() => api(base, { method: "DELETE" }), {
            done: () => {
              router.push("/admin/git-links");
              return "Unlinked";
            },
            failed: "Failed",
          });
        }}
      >
        Unlink
      </button>
      {secret ? (
        <p className="small" role="status">
          Secret (shown once): <span className="mono">{secret}</span> <CopyButton text={secret} label="Copy secret" />
        </p>
      ) : null}
    </div>
  );
}
