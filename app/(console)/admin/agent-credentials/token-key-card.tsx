"use client";

import { useState } from "react";
import { api } from "@/components/api-client";
import { useApiAction } from "@/components/use-api-action";
import { formatDateTime, timeAgo } from "@/components/format";
import { DataTable } from "@/components/ui";

type TokenKey = { kid: string; algorithm: string; createdAt: string; retiredAt: string | null; signing: boolean };

/** The app-held key that signs OAuth2 access tokens for agents. */
export function TokenKeyCard({ keys }: { keys: TokenKey[] }) {
  const { busy, run } = useApiAction();
  const [asking, setAsking] = useState(false);
  const [reason, setReason] = useState("Scheduled rotation");

  async function rotate() {
    await run(() => api<TokenKey>("/api/v1/agent-token-keys", { body: { reason } }), {
      done: (key) => {
        setAsking(false);
        return `New token key ${key.kid} signs from now on`;
      },
      failed: "Rotation failed",
    });
  }

  return (
    <section className="card" aria-labelledby="token-keys-title">
      <div className="card-header">
        <div>
          <h2 id="token-keys-title" style={{ fontSize: 14 }}>
            Access-token signing key
          </h2>
          <p className="small muted">
            ES256, generated on first use, private half encrypted with the master key. Rotating keeps tokens already
            issued valid until they expire (5 minutes).
          </p>
        </div>
        {asking ? null : (
          <button type="button" className="btn btn-sm" onClick={() => setAsking(true)}>
            Rotate…
          </button>
        )}
      </div>
      {asking ? (
        <form
          className="card-body row"
          style={{ borderBottom: "1px solid var(--border)" }}
          onSubmit={(e) => {
            e.preventDefault();
            void rotate();
          }}
        >
          <label htmlFor="rotate-reason" className="label nowrap">
            Reason (audited)
          </label>
          <input
            id="rotate-reason"
            className="input"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            minLength={3}
            maxLength={500}
            required
          />
          <button type="submit" className="btn btn-sm btn-primary" disabled={busy}>
            {busy ? <span className="spinner" aria-hidden /> : null} Rotate now
          </button>
          <button type="button" className="btn btn-sm btn-ghost" onClick={() => setAsking(false)}>
            Cancel
          </button>
        </form>
      ) : null}
      {keys.length === 0 ? (
        <div className="card-body muted small">
          No key yet — one is made when the first OAuth2 agent asks for a token.
        </div>
      ) : (
        <DataTable columns={["Key id", "Algorithm", "Created", "State"]} label="Access-token signing keys">
          {keys.slice(0, 5).map((k) => (
            <tr key={k.kid}>
              <td className="mono">{k.kid}</td>
              <td>{k.algorithm}</td>
              <td title={formatDateTime(k.createdAt)}>{timeAgo(k.createdAt)}</td>
              <td>
                {k.signing ? (
                  <span className="badge badge-ok">signing</span>
                ) : (
                  <span className="badge">retired {k.retiredAt ? timeAgo(k.retiredAt) : ""}</span>
                )}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  );
}
