import Link from "next/link";
import { formatDateTime } from "@/components/format";
import { CardSection } from "@/components/ui";
import type { RevisionRollout } from "@/lib/rollouts/revision-rollouts";

/** The canary rollouts this revision took part in, each step as the audit trail has it. */
export function RevisionRollouts({ bundle, rollouts }: { bundle: string; rollouts: RevisionRollout[] }) {
  if (rollouts.length === 0) return null;
  return (
    <CardSection id="rollouts-title" title="Rollouts" marginTop={0}>
      {rollouts.map((r) => (
        <div key={r.id}>
          <p>
            <Link href={`/bundles/${bundle}/rollouts/${r.id}`}>
              {r.baseline} → {r.canary}
            </Link>{" "}
            <span className="muted small">as {r.role}</span> <span className="badge">{r.state}</span>
          </p>
          <ol aria-label={`Steps of the rollout ${r.baseline} → ${r.canary}`} className="small" style={{ margin: 0 }}>
            {r.steps.map((s) => (
              <li key={`${s.at}-${s.action}`}>
                {formatDateTime(s.at)}: <strong>{s.action}</strong> by {s.actor}
                {s.reason ? <span className="muted"> — {s.reason}</span> : null}
              </li>
            ))}
          </ol>
        </div>
      ))}
    </CardSection>
  );
}
