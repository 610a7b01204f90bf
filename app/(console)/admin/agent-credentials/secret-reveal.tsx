"use client";

import { CopyButton, DownloadButton } from "@/components/copy-button";
import type { Created } from "./agent-credentials-manager";

/** The one time the secret exists outside the agent: shown with a ready-to-run OPA config. */
export function SecretReveal({ created, onDone }: { created: Created; onDone: () => void }) {
  const { credential, secret, opaConfig } = created;
  return (
    <section className="card secret-reveal" aria-labelledby="secret-title">
      <div className="card-header">
        <div>
          <h2 id="secret-title" style={{ fontSize: 14 }}>
            “{credential.name}” is ready — copy the secret now
          </h2>
          <p className="small muted">
            It is stored only as a SHA-256 hash and will not be shown again. Revoke the credential if it leaks.
          </p>
        </div>
        <button type="button" className="btn btn-sm" onClick={onDone}>
          I have copied it
        </button>
      </div>
      <div className="card-body stack">
        {credential.kind === "oauth2" && opaConfig.includes("token_url: http://") ? (
          <div className="alert alert-warn" role="note">
            Verdict&apos;s public URL is plain http, and OPA refuses an http <code>token_url</code>. Serve Verdict over
            https (and set <code>VERDICT_PUBLIC_URL</code>), or use a bearer-token credential.
          </div>
        ) : null}
        <dl className="meta-list">
          {credential.clientId ? (
            <>
              <dt>Client ID</dt>
              <dd className="mono" data-testid="client-id">
                {credential.clientId}
              </dd>
            </>
          ) : null}
          <dt>{credential.kind === "bearer" ? "Bearer token" : "Client secret"}</dt>
          <dd className="row" style={{ gap: 8 }}>
            <code className="secret-value" data-testid="agent-secret">
              {secret}
            </code>
            <CopyButton text={secret} label="Copy secret" />
          </dd>
        </dl>
        <div>
          <div className="row" style={{ marginBottom: 6 }}>
            <h3 style={{ fontSize: 13 }}>OPA configuration</h3>
            <span className="spacer" />
            <CopyButton text={opaConfig} label="Copy config" />
            <DownloadButton text={opaConfig} fileName="opa.yaml" label="Download opa.yaml" />
          </div>
          <pre className="code-block" data-testid="opa-config">
            {opaConfig}
          </pre>
          <p className="small muted" style={{ marginTop: 6 }}>
            Run <code>opa run --server --config-file opa.yaml</code>. The <code>instance</code> label names the agent in
            the fleet view; OPA fills <code>{"${HOSTNAME}"}</code> from its environment.
          </p>
        </div>
      </div>
    </section>
  );
}
