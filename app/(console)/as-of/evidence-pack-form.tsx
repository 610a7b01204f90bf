import { FilterInput, FilterSelect } from "@/components/ui";

/** Downloads an evidence pack: a plain GET form, so the browser streams the archive to disk. */
export function EvidencePackForm({ bundles }: { bundles: string[] }) {
  const weekAgo = new Date(Date.now() - 7 * 86_400_000).toISOString();
  return (
    <div className="card">
      <div className="card-header">
        <h2>Export an evidence pack</h2>
        <span className="muted small">
          A tar.gz an auditor verifies offline with its own verify.sh (needs opa). Recorded in the audit trail.
        </span>
      </div>
      <form className="card-body row row-wrap" action="/api/v1/evidence-pack" method="get">
        <FilterInput id="pack-from" label="From (UTC)" name="from" defaultValue={weekAgo} style={{ width: 230 }} />
        <FilterInput id="pack-to" label="To (UTC, empty for now)" name="to" placeholder="now" style={{ width: 230 }} />
        <FilterSelect id="pack-bundles" label="Bundles" name="bundles" defaultValue="" style={{ width: 180 }}>
          <option value="">All bundles</option>
          {bundles.map((b) => (
            <option key={b} value={b}>
              {b}
            </option>
          ))}
        </FilterSelect>
        <FilterSelect id="pack-outcome" label="Decisions" name="outcome" defaultValue="" style={{ width: 150 }}>
          <option value="">Every outcome</option>
          <option value="allowed">Allowed</option>
          <option value="denied">Denied</option>
          <option value="other">Other</option>
        </FilterSelect>
        <FilterInput
          id="pack-decisions"
          label="How many decisions (all, or a number)"
          name="decisions"
          defaultValue="all"
          style={{ width: 120 }}
        />
        <button type="submit" className="btn btn-primary">
          Download pack
        </button>
      </form>
    </div>
  );
}
