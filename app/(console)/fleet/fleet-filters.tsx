"use client";

import { useEffect, useRef, type FormEvent } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { SearchIcon } from "@/components/icons";
import { FilterInput, FilterSelect } from "@/components/ui";
import { fleetHref, type FleetFilters as Filters } from "./fleet-link";

const TEXT_FIELDS = [
  { name: "revision", label: "On revision", placeholder: "On revision, e.g. r12" },
  { name: "notRevision", label: "Not on revision (with a bundle)", placeholder: "Not on revision" },
  { name: "label", label: "Label (key=value)", placeholder: "Label, e.g. region=eu" },
] as const;

type Props = {
  filters: Filters;
  bundles: string[];
  credentials: Array<{ id: string; name: string }>;
  error: string | null;
};

/** The fleet's filter bar. It writes the filters into the URL (so a view is a link); "/" jumps to the search box. */
export function FleetFilters({ filters, bundles, credentials, error }: Props) {
  const router = useRouter();
  const search = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      const typing = target?.closest("input, textarea, select, [contenteditable='true']");
      if (event.key === "/" && !typing && !event.metaKey && !event.ctrlKey && !event.altKey) {
        event.preventDefault();
        search.current?.focus();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const next: Record<string, string> = {};
    for (const [key, value] of new FormData(event.currentTarget).entries())
      if (typeof value === "string" && value.trim() !== "") next[key] = value.trim();
    router.push(fleetHref(next));
  }

  return (
    <form className="fleet-filters" onSubmit={submit} role="search" aria-label="Filter agents">
      <div className="search fleet-search">
        <SearchIcon />
        <label className="sr-only" htmlFor="ff-q">
          Agent id contains
        </label>
        <input
          ref={search}
          id="ff-q"
          name="q"
          className="input"
          placeholder="Agent id contains…  (press / to search)"
          defaultValue={filters.q ?? ""}
          aria-keyshortcuts="/"
        />
      </div>
      <FilterSelect id="ff-bundle" label="Bundle" name="bundle" defaultValue={filters.bundle ?? ""}>
        <option value="">Any bundle</option>
        {bundles.map((b) => (
          <option key={b} value={b}>
            {b}
          </option>
        ))}
      </FilterSelect>
      {TEXT_FIELDS.map((f) => (
        <FilterInput
          key={f.name}
          id={`ff-${f.name}`}
          label={f.label}
          name={f.name}
          className="input mono"
          placeholder={f.placeholder}
          title={f.label}
          defaultValue={filters[f.name] ?? ""}
        />
      ))}
      <FilterSelect id="ff-credential" label="Credential" name="credential" defaultValue={filters.credential ?? ""}>
        <option value="">Any credential</option>
        {credentials.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
          </option>
        ))}
      </FilterSelect>
      <FilterSelect id="ff-stale" label="Last seen" name="stale" defaultValue={filters.stale ?? ""}>
        <option value="">Seen any time</option>
        <option value="1">Stale (silent &gt; 5 min)</option>
        <option value="0">Seen in the last 5 min</option>
      </FilterSelect>
      <FilterSelect id="ff-failing" label="Health" name="failing" defaultValue={filters.failing ?? ""}>
        <option value="">Any health</option>
        <option value="1">Reporting errors</option>
        <option value="0">No errors</option>
      </FilterSelect>
      <div className="row">
        <button type="submit" className="btn btn-primary">
          Apply
        </button>
        <Link href="/fleet" className="btn btn-ghost">
          Clear
        </Link>
      </div>
      {error ? (
        <p className="error-text fleet-filter-error" role="alert">
          {error}
        </p>
      ) : null}
    </form>
  );
}
