import type { VersionTestStatus } from "@/lib/change-requests/test-gate";

const TEXT = {
  passed: "tests passed",
  failed: "tests failed",
  error: "tests errored",
  missing: "no test run",
} as const;
const STYLE = { passed: "badge-ok", failed: "badge-danger", error: "badge-danger", missing: "badge-warn" } as const;

export function TestBadge({ result }: { result: VersionTestStatus | undefined }) {
  if (!result) return null;
  const counts = result.total !== null ? ` (${result.passed}/${result.total})` : "";
  return (
    <span className={`badge ${STYLE[result.status]}`} data-testid="test-badge">
      {TEXT[result.status]}
      {counts}
    </span>
  );
}
