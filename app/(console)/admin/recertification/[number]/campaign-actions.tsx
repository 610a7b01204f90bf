"use client";

import { api } from "@/components/api-client";
import { useApiAction } from "@/components/use-api-action";

export function CampaignActions({ number }: { number: number }) {
  const { busy, run } = useApiAction();
  return (
    <>
      <button
        type="button"
        className="btn"
        disabled={busy}
        onClick={() =>
          run(
            () =>
              api<{ owners: number; via: string }>(`/api/v1/recertification/campaigns/${number}/reminders`, {
                method: "POST",
              }),
            {
              done: (r) =>
                r.owners === 0
                  ? "Nobody has items left to decide"
                  : `Reminded ${r.owners} owner${r.owners === 1 ? "" : "s"} (${r.via === "webhook" ? "alert webhooks" : "in-app notices"})`,
              failed: "Could not send reminders",
            },
          )
        }
      >
        Send reminders
      </button>
      <button
        type="button"
        className="btn btn-danger"
        disabled={busy}
        onClick={() =>
          window.confirm("Close the campaign? Undecided items stay undecided in the report.") &&
          run(() => api(`/api/v1/recertification/campaigns/${number}/close`, { method: "POST" }), {
            done: () => "Campaign closed",
            failed: "Could not close the campaign",
          })
        }
      >
        Close campaign
      </button>
    </>
  );
}
