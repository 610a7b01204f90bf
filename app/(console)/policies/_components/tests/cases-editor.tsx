"use client";

import { useState } from "react";
import { RegoEditor } from "@/components/monaco";
import { PlusIcon } from "@/components/icons";
import type { TTestCase } from "@/lib/policy-tests/schemas";
import { TextField } from "@/components/ui";

type Props = {
  cases: TTestCase[];
  onChange: (cases: TTestCase[]) => void;
  readOnly: boolean;
  packagePath: string;
  statusById: Map<string, string>;
  onRun: () => void;
  selectedId: string | null;
  onSelect: (id: string | null) => void;
};

export function newCase(name: string): TTestCase {
  return { id: crypto.randomUUID(), name, query: "", input: "{\n  \n}", data: "", expected: "true" };
}

function jsonProblem(text: string, optional: boolean): string | null {
  if (optional && text.trim() === "") return null;
  try {
    JSON.parse(text);
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : "not valid JSON";
  }
}

/** Table-driven cases: a list on the left, the selected case's name, query, input, data and expected on the right. */
export function CasesEditor({
  cases,
  onChange,
  readOnly,
  packagePath,
  statusById,
  onRun,
  selectedId,
  onSelect,
}: Props) {
  const selected = cases.find((c) => c.id === selectedId) ?? cases[0] ?? null;
  const update = (patch: Partial<TTestCase>) =>
    selected && onChange(cases.map((c) => (c.id === selected.id ? { ...c, ...patch } : c)));
  const add = () => {
    const c = newCase(`case ${cases.length + 1}`);
    onChange([...cases, c]);
    onSelect(c.id);
  };
  return (
    <div className="cases-editor">
      <div className="cases-list">
        <ul aria-label="Test cases">
          {cases.map((c) => (
            <li key={c.id}>
              <button type="button" aria-current={selected?.id === c.id} onClick={() => onSelect(c.id)}>
                <span className={`dot ${dotFor(statusById.get(c.id))}`} aria-hidden />
                <span className="truncate">{c.name || "(unnamed)"}</span>
              </button>
            </li>
          ))}
        </ul>
        {cases.length === 0 ? (
          <p className="muted small" style={{ padding: 12 }}>
            No cases yet. A case is an input and the decision you expect for it.
          </p>
        ) : null}
        {!readOnly ? (
          <button type="button" className="btn btn-sm" style={{ margin: 10 }} onClick={add}>
            <PlusIcon /> Add case
          </button>
        ) : null}
      </div>
      {selected ? (
        <CaseForm
          key={selected.id}
          value={selected}
          readOnly={readOnly}
          packagePath={packagePath}
          onChange={update}
          onRun={onRun}
          onDelete={() => {
            onChange(cases.filter((c) => c.id !== selected.id));
            onSelect(null);
          }}
          onDuplicate={() => {
            const copy = { ...selected, id: crypto.randomUUID(), name: `${selected.name} (copy)` };
            onChange([...cases, copy]);
            onSelect(copy.id);
          }}
        />
      ) : (
        <div className="empty" style={{ flex: 1 }}>
          <h2>Write your first case</h2>
          <p>Give an input and the decision you expect; Verdict evaluates it with the real opa.</p>
          {!readOnly ? (
            <button type="button" className="btn btn-primary" onClick={add}>
              <PlusIcon /> Add case
            </button>
          ) : null}
        </div>
      )}
    </div>
  );
}

function CaseForm({
  value,
  readOnly,
  packagePath,
  onChange,
  onRun,
  onDelete,
  onDuplicate,
}: {
  value: TTestCase;
  readOnly: boolean;
  packagePath: string;
  onChange: (p: Partial<TTestCase>) => void;
  onRun: () => void;
  onDelete: () => void;
  onDuplicate: () => void;
}) {
  const undefinedExpected = value.expected.trim() === "undefined";
  const [lastValue, setLastValue] = useState(undefinedExpected ? "true" : value.expected);
  const inputProblem = jsonProblem(value.input, true);
  const dataProblem = jsonProblem(value.data, true);
  const expectedProblem = undefinedExpected ? null : jsonProblem(value.expected, false);
  return (
    <div className="case-form">
      <div className="grid-2">
        <TextField
          id="case-name"
          label="Case name"
          value={value.name}
          readOnly={readOnly}
          onChange={(e) => onChange({ name: e.target.value })}
        />
        <TextField
          id="case-query"
          label="Decision to query"
          className="input mono"
          value={value.query}
          readOnly={readOnly}
          placeholder={`data.${packagePath}.allow`}
          onChange={(e) => onChange({ query: e.target.value })}
        />
      </div>
      <JsonField
        id="case-input"
        label="Input (JSON)"
        hint="Empty for no input."
        value={value.input}
        problem={inputProblem}
        readOnly={readOnly}
        height={180}
        onChange={(input) => onChange({ input })}
        onRun={onRun}
      />
      <JsonField
        id="case-data"
        label="Data overrides (JSON object, merged into data)"
        hint="Optional."
        value={value.data}
        problem={dataProblem}
        readOnly={readOnly}
        height={80}
        onChange={(data) => onChange({ data })}
        onRun={onRun}
      />
      <fieldset className="field case-expected">
        <legend className="label">Expected result</legend>
        <div className="row">
          <label className="checkbox">
            <input
              type="radio"
              name="expected-kind"
              checked={!undefinedExpected}
              disabled={readOnly}
              onChange={() => onChange({ expected: lastValue })}
            />{" "}
            a JSON value
          </label>
          <label className="checkbox">
            <input
              type="radio"
              name="expected-kind"
              checked={undefinedExpected}
              disabled={readOnly}
              onChange={() => {
                setLastValue(value.expected);
                onChange({ expected: "undefined" });
              }}
            />{" "}
            undefined (no result)
          </label>
        </div>
        {!undefinedExpected ? (
          <JsonField
            id="case-expected"
            label="Expected value"
            value={value.expected}
            problem={expectedProblem}
            readOnly={readOnly}
            height={80}
            onChange={(expected) => onChange({ expected })}
            onRun={onRun}
          />
        ) : null}
      </fieldset>
      {!readOnly ? (
        <div className="row">
          <button type="button" className="btn btn-sm" onClick={onDuplicate}>
            Duplicate
          </button>
          <button type="button" className="btn btn-sm btn-danger" onClick={onDelete}>
            Delete case
          </button>
        </div>
      ) : null}
    </div>
  );
}

function JsonField({
  id,
  label,
  hint,
  value,
  problem,
  readOnly,
  height,
  onChange,
  onRun,
}: {
  id: string;
  label: string;
  hint?: string;
  value: string;
  problem: string | null;
  readOnly: boolean;
  height: number;
  onChange: (v: string) => void;
  onRun: () => void;
}) {
  return (
    <div className="field">
      <span className="label" id={`${id}-label`}>
        {label}
      </span>
      {hint ? <span className="hint">{hint}</span> : null}
      <div className={`editor-frame ${problem ? "editor-frame-invalid" : ""}`} data-testid={id}>
        <RegoEditor
          value={value}
          onChange={onChange}
          language="json"
          height={height}
          readOnly={readOnly}
          ariaLabel={label}
          onRun={onRun}
        />
      </div>
      {problem ? (
        <span className="error" role="status">
          Not valid JSON: {problem}
        </span>
      ) : null}
    </div>
  );
}

function dotFor(status: string | undefined): string {
  if (!status) return "";
  return status === "passed" ? "dot-ok" : status === "failed" ? "dot-danger" : "dot-warn";
}
