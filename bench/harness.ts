// Shared shape of every benchmark: each bench/<name>.bench.ts default-exports a Bench, and
// `npm run bench` (bench/run.ts) runs them all and prints one table.

export type BenchRow = {
  figure: string;
  verdict: number;
  baseline: number | null;
  unit: string;
  /** What the baseline is, measured in the same run (e.g. "raw COPY", "nginx", "raw opa eval"). */
  baselineName: string | null;
  /** "higher" when bigger is better (throughput), "lower" for latencies. */
  better: "higher" | "lower";
  note?: string;
};

export type Bench = { name: string; run: () => Promise<BenchRow[]> };

export function ratio(row: BenchRow): number | null {
  if (row.baseline === null || row.baseline === 0) return null;
  return row.verdict / row.baseline;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return "—";
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString("en-US");
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

export function printTable(rows: BenchRow[]): void {
  const lines = rows.map((r) => {
    const q = ratio(r);
    return [
      r.figure,
      `${formatNumber(r.verdict)} ${r.unit}`,
      r.baseline === null ? "—" : `${formatNumber(r.baseline)} ${r.unit} (${r.baselineName})`,
      q === null ? "—" : `${q.toFixed(2)}×`,
      r.note ?? "",
    ];
  });
  const header = ["figure", "Verdict", "baseline (same run)", "ratio", "note"];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ");
  console.log(fmt(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const l of lines) console.log(fmt(l));
}
