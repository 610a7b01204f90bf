"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { api, ApiError } from "@/components/api-client";
import { CreateCard, FormActions, ProblemAlert } from "@/components/form-parts";
import { SelectField, TextField } from "@/components/ui";

export function StartCampaignForm() {
  const router = useRouter();
  const [error, setError] = useState<ApiError | null>(null);
  const [kind, setKind] = useState("all");
  const [open, setOpen] = useState(false);

  async function start(form: FormData) {
    setError(null);
    const value = String(form.get("scopeValue") ?? "");
    const scope = kind === "service" ? { kind, service: value } : kind === "owner" ? { kind, owner: value } : { kind };
    try {
      const created = await api<{ number: number }>("/api/v1/recertification/campaigns", {
        body: {
          title: form.get("title"),
          scope,
          unusedDays: Number(form.get("unusedDays")),
          dueAt: form.get("dueAt"),
        },
      });
      router.push(`/admin/recertification/${created.number}`);
    } catch (e) {
      setError(e instanceof ApiError ? e : null);
    }
  }

  const due = new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10);
  return (
    <CreateCard
      title="Start a campaign"
      action="Start a campaign"
      open={open}
      onToggle={() => setOpen(!open)}
      onSubmit={start}
      form={
        <>
          <ProblemAlert error={error} />
          <TextField
            id="rc-title"
            label="Title"
            name="title"
            required
            maxLength={200}
            defaultValue="Quarterly access review"
          />
          <SelectField
            id="rc-scope"
            label="Grants"
            name="scopeKind"
            value={kind}
            onChange={(e) => setKind(e.target.value)}
          >
            <option value="all">All grants</option>
            <option value="service">One service</option>
            <option value="owner">One owner</option>
          </SelectField>
          {kind !== "all" ? (
            <TextField
              id="rc-scope-value"
              label={kind === "service" ? "Service" : "Owner"}
              name="scopeValue"
              required
              maxLength={120}
            />
          ) : null}
          <TextField
            id="rc-unused"
            label="Unused for (days)"
            name="unusedDays"
            type="number"
            min={1}
            max={365}
            defaultValue={90}
            required
          />
          <TextField id="rc-due" label="Due" name="dueAt" type="date" defaultValue={due} required />
          <FormActions submit="Start campaign" onCancel={() => setOpen(false)} />
        </>
      }
    >
      <p className="card-body small muted">
        Every grant in scope goes to its owner with its use over the last N days; grants with no allowed request in that
        time are proposed for removal.
      </p>
    </CreateCard>
  );
}
