"use client";

import { useState } from "react";
import { api, ApiError } from "@/components/api-client";
import { TextField } from "@/components/ui";

type Decision = { allow: boolean; reason: string; entry: string | null };

/** Asks the shipped policy's logic what it would decide for one request, with today's grants. */
export function CheckRequest({ service, trustDomain }: { service: string; trustDomain: string }) {
  const [decision, setDecision] = useState<Decision | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function check(form: FormData) {
    setError(null);
    try {
      setDecision(
        await api<Decision>("/api/v1/allowlists/check", {
          body: { service, caller: form.get("caller"), method: form.get("method"), path: form.get("path") },
        }),
      );
    } catch (e) {
      setDecision(null);
      setError(e instanceof ApiError ? e.message : "The check failed");
    }
  }

  return (
    <form
      className="card"
      aria-label="Try a request"
      onSubmit={(e) => {
        e.preventDefault();
        void check(new FormData(e.currentTarget));
      }}
    >
      <div className="card-header">
        <h2 style={{ fontSize: 14 }}>Try a request</h2>
      </div>
      <div className="card-body stack" style={{ gap: 10 }}>
        <TextField
          id="try-caller"
          label="Caller SPIFFE ID"
          name="caller"
          className="input mono"
          defaultValue={`spiffe://${trustDomain}/`}
        />
        <div className="row">
          <TextField
            id="try-method"
            label="Method"
            name="method"
            className="input mono"
            defaultValue="GET"
            fieldStyle={{ width: 96 }}
          />
          <TextField
            id="try-path"
            label="Path"
            name="path"
            className="input mono"
            defaultValue="/"
            fieldStyle={{ flex: 1 }}
          />
        </div>
        <button type="submit" className="btn">
          Check
        </button>
        {decision ? (
          <div role="status" className={`alert ${decision.allow ? "alert-ok" : "alert-danger"}`}>
            <div>
              <strong>{decision.allow ? "Allowed" : "Denied"}</strong>
              <div className="small" style={{ overflowWrap: "anywhere" }}>
                {decision.reason}
              </div>
            </div>
          </div>
        ) : null}
        {error ? (
          <div role="alert" className="alert alert-danger">
            {error}
          </div>
        ) : null}
      </div>
    </form>
  );
}
