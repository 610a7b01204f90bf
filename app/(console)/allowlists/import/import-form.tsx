"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import type { Problem } from "@/components/api-client";
import { toast } from "@/components/toaster";
import { AlertIcon, CheckIcon } from "@/components/icons";
import { DataTable, Field, SelectField, TextAreaField } from "@/components/ui";

type RowError = { row: number; field: string | null; message: string };
type Diff = { lines: string[]; added: number; removed: number; changed: number; unchanged: number; summary: string };
type Plan = {
  proposed: boolean;
  dryRun: boolean;
  errors: RowError[];
  diff: Diff;
  planHash: string;
  changeRequest?: { number: number } | null;
};

const MAX_SHOWN_LINES = 500;

const FORMATS = [
  ["csv", "CSV"],
  ["json", "JSON"],
] as const;

const MODES = [
  ["merge", "Merge: add and update"],
  ["replace", "Replace: the file is the whole allowlist"],
] as const;

export function ImportForm() {
  const router = useRouter();
  const [format, setFormat] = useState<"csv" | "json">("csv");
  const [mode, setMode] = useState<"merge" | "replace">("merge");
  const [text, setText] = useState("");
  const [plan, setPlan] = useState<Plan | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function send(dryRun: boolean) {
    setBusy(true);
    setProblem(null);
    const query = new URLSearchParams({
      format,
      mode,
      dryRun: String(dryRun),
      ...(!dryRun && plan ? { expectedPlanHash: plan.planHash } : {}),
    });
    try {
      const res = await fetch(`/api/v1/allowlists/import?${query}`, {
        method: "POST",
        body: text,
        headers: { "content-type": format === "csv" ? "text/csv" : "application/json" },
        credentials: "same-origin",
      });
      const body = (await res.json().catch(() => ({ status: res.status, detail: res.statusText }))) as Plan | Problem;
      if (res.ok) {
        setPlan(body as Plan);
        if (!dryRun) {
          const number = (body as Plan).changeRequest!.number;
          toast(`Proposed as change request #${number}: ${(body as Plan).diff.summary}`);
          router.push(`/allowlists/changes/${number}`);
        }
        return;
      }
      const p = body as Problem;
      setProblem(p.detail ?? `The import failed (${res.status})`);
      if (p.diff)
        setPlan({
          proposed: false,
          dryRun: true,
          errors: (p.rowErrors as RowError[] | undefined) ?? [],
          diff: p.diff as Diff,
          planHash: (p.planHash as string | undefined) ?? "",
        });
      else if (p.rowErrors)
        setPlan({
          proposed: false,
          dryRun: true,
          errors: p.rowErrors as RowError[],
          diff: { lines: [], added: 0, removed: 0, changed: 0, unchanged: 0, summary: "no change" },
          planHash: "",
        });
    } catch {
      setProblem("Verdict could not be reached; nothing was imported");
    } finally {
      setBusy(false);
    }
  }

  async function loadFile(file: File) {
    setFormat(file.name.toLowerCase().endsWith(".json") ? "json" : "csv");
    setText(await file.text());
    setPlan(null);
  }

  const canApply = plan && plan.errors.length === 0 && plan.diff.lines.length > 0 && plan.planHash;
  return (
    <div className="stack">
      <form
        className="card card-body stack"
        aria-label="Import allowlists"
        onSubmit={(e) => {
          e.preventDefault();
          void send(true);
        }}
      >
        <div className="row row-wrap" style={{ gap: 16 }}>
          <Field id="imp-file" label="File">
            <input
              id="imp-file"
              type="file"
              accept=".csv,.json,text/csv,application/json"
              onChange={(e) => e.target.files?.[0] && void loadFile(e.target.files[0])}
            />
          </Field>
          <SelectField
            id="imp-format"
            label="Format"
            value={format}
            onChange={(e) => {
              setFormat(e.target.value as "csv" | "json");
              setPlan(null);
            }}
            options={FORMATS}
          />
          <SelectField
            id="imp-mode"
            label="Mode"
            value={mode}
            onChange={(e) => {
              setMode(e.target.value as "merge" | "replace");
              setPlan(null);
            }}
            options={MODES}
          />
        </div>
        <TextAreaField
          id="imp-text"
          label="…or paste it"
          className="input mono"
          rows={10}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setPlan(null);
          }}
          placeholder="service,method,path,caller,owner,reason,expires_at,cross_trust_domain"
        />
        <div className="row">
          <button type="submit" className="btn btn-primary" disabled={busy || !text.trim()}>
            {busy ? <span className="spinner" /> : null} Preview changes
          </button>
          <button type="button" className="btn" disabled={busy || !canApply} onClick={() => void send(false)}>
            Propose{" "}
            {plan && canApply
              ? plan.diff.summary.length < 60
                ? `(${plan.diff.summary})`
                : `(${plan.diff.added + plan.diff.removed + plan.diff.changed} changes)`
              : ""}
          </button>
        </div>
        {problem ? (
          <div role="alert" className="alert alert-danger">
            <AlertIcon /> {problem}
          </div>
        ) : null}
      </form>
      {plan ? <PlanView plan={plan} /> : null}
    </div>
  );
}

function PlanView({ plan }: { plan: Plan }) {
  return (
    <section className="card" aria-label="Import preview">
      <div className="card-header">
        <h2 style={{ fontSize: 14 }}>
          {plan.errors.length > 0
            ? `${new Set(plan.errors.map((e) => e.row)).size} row(s) need fixing — nothing will be written until they do`
            : "Preview: nothing has been written yet"}
        </h2>
        <div className="row small">
          <span className="badge badge-ok">+{plan.diff.added}</span>
          <span className="badge badge-danger">−{plan.diff.removed}</span>
          <span className="badge badge-warn">~{plan.diff.changed}</span>
          <span className="badge">{plan.diff.unchanged} unchanged</span>
        </div>
      </div>
      {plan.errors.length > 0 ? (
        <DataTable columns={["Row", "Field", "Problem"]} label="Row errors">
          {plan.errors.map((e, i) => (
            <tr key={i}>
              <td className="num" style={{ width: 60 }}>
                {e.row}
              </td>
              <td>
                <code>{e.field ?? "—"}</code>
              </td>
              <td>{e.message}</td>
            </tr>
          ))}
        </DataTable>
      ) : null}
      {plan.diff.lines.length === 0 ? (
        <p className="card-body muted">
          <CheckIcon />{" "}
          {plan.errors.length
            ? "The valid rows change nothing."
            : "No change: the allowlists already say exactly this."}
        </p>
      ) : (
        <ul className="access-diff" aria-label="Access diff">
          {plan.diff.lines.slice(0, MAX_SHOWN_LINES).map((line) => (
            <li key={line} className={`diff-${line[0] === "+" ? "add" : line[0] === "~" ? "change" : "remove"}`}>
              {line}
            </li>
          ))}
          {plan.diff.lines.length > MAX_SHOWN_LINES ? (
            <li className="muted">… and {plan.diff.lines.length - MAX_SHOWN_LINES} more</li>
          ) : null}
        </ul>
      )}
    </section>
  );
}
