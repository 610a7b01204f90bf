"use client";

import { useEffect, useMemo, useRef, useState } from "react";
import Link from "next/link";
import { useVirtualizer } from "@tanstack/react-virtual";
import { api, ApiError } from "@/components/api-client";
import type { AccessMatrix } from "@/lib/allowlists/access-matrix";
import { TextField } from "@/components/ui";

const CELL = 26;
const LABEL_WIDTH = 380;
const HEADER_HEIGHT = 150;
const MAX_HEIGHT = 720;
const SCROLLBAR = 18;

type Selected = { service: string; caller: string; active: number; expired: number };

/**
 * Services (columns) × callers (rows). Both axes are virtualized, so only the cells in view
 * exist in the DOM whether there are 50 or 500 × 2,000; filters narrow the axes in memory.
 */
export function AccessMatrixView() {
  const [matrix, setMatrix] = useState<AccessMatrix | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [callerFilter, setCallerFilter] = useState("");
  const [serviceFilter, setServiceFilter] = useState("");
  const [onlyExpired, setOnlyExpired] = useState(false);
  const [selected, setSelected] = useState<Selected | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    api<AccessMatrix>("/api/v1/allowlists/matrix", { signal: controller.signal })
      .then(setMatrix)
      .catch((e: unknown) => {
        if (!controller.signal.aborted) setError(e instanceof ApiError ? e.message : "Could not load the matrix");
      });
    return () => controller.abort();
  }, []);

  const view = useMemo(
    () => (matrix ? filterMatrix(matrix, callerFilter, serviceFilter, onlyExpired) : null),
    [matrix, callerFilter, serviceFilter, onlyExpired],
  );

  if (error)
    return (
      <div role="alert" className="alert alert-danger">
        {error}
      </div>
    );
  if (!matrix || !view) {
    return (
      <div className="card card-body stack" role="status" aria-busy="true" aria-label="Loading the access matrix">
        {Array.from({ length: 8 }, (_, i) => (
          <div key={i} className="skeleton" style={{ height: 18 }} />
        ))}
      </div>
    );
  }
  return (
    <div className="stack">
      <div className="card card-body row row-wrap matrix-filters">
        <TextField
          id="mx-caller"
          label="Callers starting with or containing"
          className="input mono"
          value={callerFilter}
          onChange={(e) => setCallerFilter(e.target.value)}
          placeholder="spiffe://prod/ns/billing/"
          fieldStyle={{ flex: 2, minWidth: 280 }}
        />
        <TextField
          id="mx-service"
          label="Services containing"
          value={serviceFilter}
          onChange={(e) => setServiceFilter(e.target.value)}
          placeholder="payments"
          fieldStyle={{ flex: 1, minWidth: 200 }}
        />
        <label className="checkbox" style={{ alignSelf: "flex-end", paddingBottom: 8 }}>
          <input type="checkbox" checked={onlyExpired} onChange={(e) => setOnlyExpired(e.target.checked)} /> Only cells
          with expired grants
        </label>
        <div className="muted small" style={{ alignSelf: "flex-end", paddingBottom: 8 }} data-testid="matrix-counts">
          {view.callers.length.toLocaleString("en-US")} of {matrix.callers.length.toLocaleString("en-US")} callers ×{" "}
          {view.services.length} of {matrix.services.length} services
        </div>
      </div>
      {view.callers.length === 0 || view.services.length === 0 ? (
        <div className="card empty">
          <h2>Nothing to show</h2>
          <p>
            {matrix.cells.length === 0
              ? "No caller has been granted anything yet."
              : "No caller and service match these filters."}
          </p>
        </div>
      ) : (
        <MatrixGrid matrix={matrix} view={view} onSelect={setSelected} />
      )}
      <div className="row row-wrap small muted" role="group" aria-label="Legend">
        <span className="legend-swatch cell-active" /> active grants (number = endpoints){" "}
        <span className="legend-swatch cell-mixed" /> active and expired <span className="legend-swatch cell-expired" />{" "}
        expired only
      </div>
      {selected ? (
        <div className="card card-body" role="status" data-testid="matrix-selection">
          <code>{selected.caller}</code> →{" "}
          <Link href={`/allowlists/services/${selected.service}`} className="table-link">
            {selected.service}
          </Link>
          : {selected.active} active grant{selected.active === 1 ? "" : "s"}
          {selected.expired ? `, ${selected.expired} expired` : ""}.{" "}
          <Link href={`/allowlists/callers?id=${encodeURIComponent(selected.caller)}`}>
            Everything this caller may call →
          </Link>
        </div>
      ) : null}
    </div>
  );
}

type View = { services: number[]; callers: number[]; cells: Map<number, [number, number]> };

function filterMatrix(m: AccessMatrix, callerFilter: string, serviceFilter: string, onlyExpired: boolean): View {
  const cells = new Map<number, [number, number]>();
  for (const [s, c, active, expired] of m.cells)
    if (!onlyExpired || expired > 0) cells.set(s * m.callers.length + c, [active, expired]);
  const cf = callerFilter.trim().toLowerCase();
  const sf = serviceFilter.trim().toLowerCase();
  const services = m.services.map((_, i) => i).filter((i) => !sf || m.services[i]!.name.includes(sf));
  const withCells = onlyExpired ? new Set([...cells.keys()].map((k) => k % m.callers.length)) : null;
  const callers = m.callers
    .map((_, i) => i)
    .filter((i) => (!cf || m.callers[i]!.toLowerCase().includes(cf)) && (!withCells || withCells.has(i)));
  return { services, callers, cells };
}

function MatrixGrid({ matrix, view, onSelect }: { matrix: AccessMatrix; view: View; onSelect: (s: Selected) => void }) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const rows = useVirtualizer({
    count: view.callers.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => CELL,
    overscan: 6,
  });
  const cols = useVirtualizer({
    horizontal: true,
    count: view.services.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => CELL,
    overscan: 6,
  });
  const top = rows.scrollOffset ?? 0;
  const left = cols.scrollOffset ?? 0;
  const virtualRows = rows.getVirtualItems();
  const virtualCols = cols.getVirtualItems();

  return (
    <div
      className="matrix"
      role="region"
      aria-label="Access matrix: callers by service"
      style={{
        gridTemplateColumns: `${LABEL_WIDTH}px 1fr`,
        gridTemplateRows: `${HEADER_HEIGHT}px 1fr`,
        height: Math.min(MAX_HEIGHT, HEADER_HEIGHT + rows.getTotalSize() + SCROLLBAR),
      }}
    >
      <div className="matrix-corner small muted">caller ↓ · service →</div>
      <div className="matrix-header" aria-hidden>
        {virtualCols.map((vc) => {
          const s = matrix.services[view.services[vc.index]!]!;
          return (
            <div
              key={vc.key}
              className="matrix-col-label"
              style={{ left: vc.start - left, width: vc.size }}
              title={`${s.name} (${s.trustDomain}, ${s.ownerTeam})`}
            >
              {s.name}
            </div>
          );
        })}
      </div>
      <div className="matrix-labels" aria-hidden>
        {virtualRows.map((vr) => {
          const caller = matrix.callers[view.callers[vr.index]!]!;
          return (
            <div
              key={vr.key}
              className="matrix-row-label mono"
              style={{ top: vr.start - top, height: vr.size }}
              title={caller}
            >
              <bdi>{caller}</bdi>
            </div>
          );
        })}
      </div>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must take focus so keyboard users can scroll it */}
      <div ref={scrollRef} className="matrix-body" role="region" tabIndex={0} aria-label="Scroll the matrix">
        <div
          className="matrix-canvas"
          style={{ width: cols.getTotalSize(), height: rows.getTotalSize(), backgroundSize: `${CELL}px ${CELL}px` }}
          data-testid="matrix-canvas"
        >
          {virtualRows.flatMap((vr) => {
            const callerIndex = view.callers[vr.index]!;
            return virtualCols.map((vc) => {
              const serviceIndex = view.services[vc.index]!;
              const cell = view.cells.get(serviceIndex * matrix.callers.length + callerIndex);
              if (!cell) return null;
              const [active, expired] = cell;
              const service = matrix.services[serviceIndex]!.name;
              const caller = matrix.callers[callerIndex]!;
              const kind = active > 0 ? (expired > 0 ? "cell-mixed" : "cell-active") : "cell-expired";
              const label = `${caller} → ${service}: ${active} active${expired ? `, ${expired} expired` : ""}`;
              return (
                <button
                  key={`${vr.key}:${vc.key}`}
                  type="button"
                  className={`matrix-cell ${kind}`}
                  style={{ top: vr.start, left: vc.start }}
                  title={label}
                  aria-label={label}
                  onClick={() => onSelect({ service, caller, active, expired })}
                >
                  {active > 0 ? active : "×"}
                </button>
              );
            });
          })}
        </div>
      </div>
    </div>
  );
}
