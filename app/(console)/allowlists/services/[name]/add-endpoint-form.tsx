"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { api, ApiError } from "@/components/api-client";
import { toast } from "@/components/toaster";
import { PlusIcon } from "@/components/icons";
import { fieldErrors } from "../../_components/new-service-form";
import { SelectField, TextField } from "@/components/ui";

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "*"];

export function AddEndpointForm({ service }: { service: string }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});

  async function submit(form: FormData) {
    setErrors({});
    try {
      await api(`/api/v1/allowlists/services/${service}/endpoints`, {
        body: { method: form.get("method"), path: form.get("path"), description: form.get("description") },
      });
      toast(`Added ${form.get("method")} ${form.get("path")}`);
      setOpen(false);
      router.refresh();
    } catch (e) {
      setErrors(e instanceof ApiError ? fieldErrors(e) : { form: "Could not add the endpoint" });
    }
  }

  if (!open)
    return (
      <button type="button" className="btn btn-primary" onClick={() => setOpen(true)}>
        <PlusIcon /> Add endpoint
      </button>
    );
  return (
    <form
      className="card card-body inline-form"
      aria-label="Add endpoint"
      onSubmit={(e) => {
        e.preventDefault();
        void submit(new FormData(e.currentTarget));
      }}
    >
      <SelectField id="ep-method" label="Method" name="method" defaultValue="GET">
        {METHODS.map((m) => (
          <option key={m} value={m}>
            {m === "*" ? "* (any)" : m}
          </option>
        ))}
      </SelectField>
      <TextField
        id="ep-path"
        label="Path pattern"
        fieldStyle={{ flex: 1 }}
        name="path"
        className="input mono"
        placeholder="/refunds/{id}"
        autoFocus
        aria-invalid={errors["body.path"] ? true : undefined}
        error={errors["body.path"]}
        hint={<>{"{param}"} = one segment; a final /* = everything below</>}
      />
      <TextField id="ep-desc" label="Description" name="description" placeholder="optional" fieldStyle={{ flex: 1 }} />
      <div className="row" style={{ alignSelf: "flex-end", paddingBottom: 18 }}>
        <button type="submit" className="btn btn-primary">
          Add
        </button>
        <button type="button" className="btn btn-ghost" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
      {errors.form ? (
        <div role="alert" className="alert alert-danger" style={{ width: "100%" }}>
          {errors.form}
        </div>
      ) : null}
    </form>
  );
}
