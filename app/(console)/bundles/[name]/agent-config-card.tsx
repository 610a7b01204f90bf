"use client";

import { useEffect, useState } from "react";
import Link from "next/link";
import { CopyButton, DownloadButton } from "@/components/copy-button";
import { SelectField } from "@/components/ui";

/** The copy-paste OPA config for agents of this bundle: keys, long polling, status and decision logs. */
export function AgentConfigCard({
  bundle,
  targets,
  canCreateCredential,
}: {
  bundle: string;
  /** Distribution targets agents may pull from instead of Verdict. */
  targets: string[];
  canCreateCredential: boolean;
}) {
  const [kind, setKind] = useState<"bearer" | "oauth2">("bearer");
  const [source, setSource] = useState("");
  const [yaml, setYaml] = useState<string | null>(null);
  useEffect(() => {
    setYaml(null);
    const target = source ? `&target=${encodeURIComponent(source)}` : "";
    fetch(`/api/v1/bundles/${bundle}/opa-config?kind=${kind}${target}`, { credentials: "same-origin" })
      .then((r) => (r.ok ? r.text() : Promise.reject(new Error(String(r.status)))))
      .then(setYaml)
      .catch(() => setYaml("# could not load the configuration"));
  }, [bundle, kind, source]);
  return (
    <section className="card" aria-labelledby="config-title">
      <div className="card-header">
        <h2 id="config-title" style={{ fontSize: 14 }}>
          Connect an agent
        </h2>
        <div className="row" role="radiogroup" aria-label="Credential type">
          <label className="checkbox small">
            <input type="radio" checked={kind === "bearer"} onChange={() => setKind("bearer")} /> bearer token
          </label>
          <label className="checkbox small">
            <input type="radio" checked={kind === "oauth2"} onChange={() => setKind("oauth2")} /> OAuth2
          </label>
        </div>
      </div>
      <div className="card-body stack" style={{ gap: 8 }}>
        {targets.length > 0 ? (
          <SelectField
            id="config-source"
            label="Agents pull the bundle from"
            value={source}
            onChange={(e) => setSource(e.target.value)}
            options={[["", "Verdict (long polling)"], ...targets.map((t) => [t, t] as const)]}
            hint="Status reports and decision logs always go to Verdict."
            helpId="config-source-hint"
          />
        ) : null}
        <p className="small muted">
          Lists every signing key that is not retired, so agents keep working across a key rotation. Set the secret in
          the agent&apos;s environment (
          {kind === "bearer" ? (
            <code>VERDICT_AGENT_TOKEN</code>
          ) : (
            <>
              <code>VERDICT_CLIENT_ID</code>, <code>VERDICT_CLIENT_SECRET</code>
            </>
          )}
          ).
          {canCreateCredential ? (
            <>
              {" "}
              <Link href="/admin/agent-credentials">Create a credential</Link> for it.
            </>
          ) : null}
        </p>
        {yaml ? (
          <pre className="code-block" style={{ maxHeight: 320 }} data-testid="bundle-opa-config">
            {yaml}
          </pre>
        ) : (
          <div className="skeleton" style={{ height: 200 }} role="status" aria-label="Loading configuration" />
        )}
        <div className="row">
          <CopyButton text={yaml ?? ""} label="Copy config" />
          <DownloadButton
            text={yaml ?? ""}
            fileName={`opa-${bundle}${source ? `-${source}` : ""}.yaml`}
            label="Download"
          />
        </div>
      </div>
    </section>
  );
}
