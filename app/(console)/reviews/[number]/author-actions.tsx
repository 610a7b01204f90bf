"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { api, ApiError } from "@/components/api-client";
import { toast } from "@/components/toaster";
import type { ChangeRequestItemView, PolicyVersionItemView } from "@/lib/reviews/change-request-views";

/** The author moves the change request to the newest versions (voiding approvals) or withdraws it. */
export function AuthorActions({
  number,
  items,
  canEdit,
  canClose,
  hasApproval,
}: {
  number: number;
  items: ChangeRequestItemView[];
  canEdit: boolean;
  canClose: boolean;
  hasApproval: boolean;
}) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState<"update" | "close" | null>(null);

  async function updateToNewest() {
    setBusy(true);
    try {
      const policyItems = items.filter((i): i is PolicyVersionItemView => i.kind === "policy_version");
      const heads = await Promise.all(
        policyItems.map((i) => api<{ head: { id: string; number: number } }>(`/api/v1/policies/${i.policy.id}`)),
      );
      const changed = heads.some((h, i) => h.head.id !== policyItems[i]!.version.id);
      if (!changed) {
        toast("Every item is already the newest version");
      } else {
        const result = await api<{ approvalsVoided: number }>(`/api/v1/change-requests/${number}`, {
          method: "PATCH",
          body: {
            items: [
              ...heads.map((h) => ({ kind: "policy_version", policyVersionId: h.head.id })),
              // Allowlist changes stay as they are: they are not versioned like policies.
              ...items.flatMap((i) =>
                i.kind === "allowlist_change"
                  ? [{ kind: "allowlist_change", allowlistChangeSetId: i.changeSetId }]
                  : [],
              ),
            ],
          },
        });
        toast(
          result.approvalsVoided > 0
            ? "Updated; the earlier approval no longer applies"
            : "Updated to the newest versions",
        );
      }
      setConfirming(null);
      router.refresh();
    } catch (e) {
      toast(e instanceof ApiError ? e.message : "Update failed", "danger");
    } finally {
      setBusy(false);
    }
  }

  async function close() {
    setBusy(true);
    try {
      await api(`/api/v1/change-requests/${number}/close`, { body: { reason: "" } });
      toast(`Closed #${number}`);
      router.refresh();
    } catch (e) {
      toast(e instanceof ApiError ? e.message : "Close failed", "danger");
    } finally {
      setBusy(false);
    }
  }

  if (confirming) {
    return (
      <div className="row" role="group" aria-label="Confirm">
        <span className="small muted">
          {confirming === "update"
            ? hasApproval
              ? "This voids the approval."
              : "Use each policy's newest version?"
            : "Withdraw this change request?"}
        </span>
        <button
          type="button"
          className={`btn btn-sm ${confirming === "close" ? "btn-danger" : "btn-primary"}`}
          disabled={busy}
          onClick={() => void (confirming === "update" ? updateToNewest() : close())}
        >
          Confirm
        </button>
        <button type="button" className="btn btn-sm btn-ghost" onClick={() => setConfirming(null)}>
          Cancel
        </button>
      </div>
    );
  }
  return (
    <div className="row">
      {canEdit ? (
        <button type="button" className="btn btn-sm" onClick={() => setConfirming("update")}>
          Use newest versions…
        </button>
      ) : null}
      {canClose ? (
        <button type="button" className="btn btn-sm btn-ghost" onClick={() => setConfirming("close")}>
          Close…
        </button>
      ) : null}
    </div>
  );
}
