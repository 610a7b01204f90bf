import type { DistributionState } from "@/lib/generated/prisma/enums";

const BADGE: Record<DistributionState, string> = {
  stored: "badge-ok",
  pending: "",
  superseded: "",
  failed: "badge-danger",
  tampered: "badge-danger",
};

/** A revision's state on one target, with the error when it failed or was tampered with. */
export function DistributionStateBadge({ state, error }: { state: DistributionState | null; error: string | null }) {
  return (
    <>
      <span className={`badge ${state ? BADGE[state] : ""}`}>{state ?? "not sent (target added later)"}</span>
      {error && (state === "failed" || state === "tampered") ? <div className="error small">{error}</div> : null}
    </>
  );
}
