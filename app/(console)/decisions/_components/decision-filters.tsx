"use client";

import { useState, type FormEvent } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { SearchIcon } from "@/components/icons";
import { RANGE_PRESETS } from "./page-filter";
import { FilterInput, FilterSelect } from "@/components/ui";

type Props = { raw: Record<string, string>; range: string; matchError: string | null };

const TEXT_FIELDS = [
  { name: "path", label: "Decision path", placeholder: "Path, e.g. verdict/authz/allow" },
  { name: "caller", label: "Caller prefix", placeholder: "Caller prefix, e.g. spiffe://prod/ns/billing/" },
  { name: "agent", label: "Agent", placeholder: "Agent" },
  { name: "revision", label: "Bundle revision", placeholder: "Revision" },
] as const;

/** The decisions filter bar: presets or a custom UTC range, the column filters and a JSON match. */
export function DecisionFilters({ raw, range, matchError }: Props) {
  const router = useRouter();
  const [custom, setCustom] = useState(range === "custom");
  const [preset, setPreset] = useState(range === "custom" ? "24h" : range);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const params = new URLSearchParams();
    for (const [key, value] of data.entries()) {
      if (typeof value !== "string" || value.trim() === "") continue;
      if ((key === "from" || key === "to") && !custom) continue;
      params.set(key, value.trim());
    }
    if (!custom) params.set("range", preset);
    if (raw.tail) params.set("tail", raw.tail);
    router.push(`/decisions${params.size ? `?${params}` : ""}`);
  }

  const pick = (key: string) => {
    setCustom(false);
    setPreset(key);
  };

  return (
    <form className="decision-filters" onSubmit={submit} role="search" aria-label="Filter decisions">
      <div className="row row-wrap">
        <div className="segmented" role="group" aria-label="Time range">
          {RANGE_PRESETS.map((p) => (
            <button key={p.key} type="button" aria-pressed={!custom && preset === p.key} onClick={() => pick(p.key)}>
              {p.label}
            </button>
          ))}
          <button type="button" aria-pressed={custom} onClick={() => setCustom(true)}>
            Custom
          </button>
        </div>
        {custom ? (
          <>
            <FilterInput
              id="df-from"
              label="From (UTC)"
              name="from"
              type="datetime-local"
              step="1"
              style={{ width: 200 }}
              defaultValue={raw.from?.replace(/Z$/, "") ?? ""}
              title="From (UTC)"
            />
            <span className="muted small">to</span>
            <FilterInput
              id="df-to"
              label="To (UTC)"
              name="to"
              type="datetime-local"
              step="1"
              style={{ width: 200 }}
              defaultValue={raw.to?.replace(/Z$/, "") ?? ""}
              title="To (UTC, exclusive; empty means now)"
            />
            <span className="muted small">UTC</span>
          </>
        ) : null}
      </div>
      <div className="filter-grid">
        <FilterSelect id="df-outcome" label="Outcome" name="outcome" defaultValue={raw.outcome ?? ""}>
          <option value="">Any outcome</option>
          <option value="allowed">Allowed</option>
          <option value="denied">Denied</option>
          <option value="other">Undefined / other</option>
        </FilterSelect>
        {TEXT_FIELDS.map((f) => (
          <span key={f.name}>
            <FilterInput
              id={`df-${f.name}`}
              label={f.label}
              name={f.name}
              placeholder={f.placeholder}
              title={f.label}
              defaultValue={raw[f.name] ?? ""}
            />
          </span>
        ))}
        <FilterSelect id="df-unpublished" label="Provenance" name="unpublished" defaultValue={raw.unpublished ?? ""}>
          <option value="">Any provenance</option>
          <option value="true">Unpublished revision only</option>
          <option value="false">Published by Verdict only</option>
        </FilterSelect>
      </div>
      <div className="row">
        <div className="search" style={{ flex: 1 }}>
          <SearchIcon />
          <label className="sr-only" htmlFor="df-match">
            JSON match on input or result
          </label>
          <input
            id="df-match"
            name="match"
            className="input mono"
            defaultValue={raw.match ?? ""}
            placeholder='JSON match, e.g. input.method = "DELETE" and input.attributes.source.principal startswith "spiffe://prod/"'
            aria-invalid={matchError ? true : undefined}
            aria-describedby="df-match-help"
          />
        </div>
        <FilterInput
          id="df-decision-id"
          label="Decision id"
          name="decisionId"
          className="input mono"
          style={{ width: 230 }}
          placeholder="Decision id"
          title="Decision id"
          defaultValue={raw.decisionId ?? ""}
        />
        <button type="submit" className="btn btn-primary">
          Apply
        </button>
        <Link href="/decisions" className="btn btn-ghost">
          Clear
        </Link>
      </div>
      <p
        id="df-match-help"
        className={matchError ? "error-text" : "muted small"}
        role={matchError ? "alert" : undefined}
      >
        {matchError ? (
          `The JSON match is invalid: ${matchError}.`
        ) : (
          <>
            Paths start at <code>input</code> or <code>result</code>; operators <code>= != &lt; &lt;= &gt; &gt;=</code>,{" "}
            <code>startswith</code>, <code>contains</code>; values are JSON; join conditions with <code>and</code>. A
            bare path matches when it exists.
          </>
        )}
      </p>
    </form>
  );
}
