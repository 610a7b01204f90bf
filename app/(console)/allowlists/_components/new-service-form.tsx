"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { api, ApiError } from "@/components/api-client";
import { toast } from "@/components/toaster";
import { PlusIcon } from "@/components/icons";
import { TextField } from "@/components/ui";

/** "New service": name, trust domain and owning team; opens the service page on success. */
export function NewServiceButton() {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  async function submit(form: FormData) {
    setBusy(true);
    setErrors({});
    try {
      const body = {
        name: form.get("name"),
        trustDomain: form.get("trustDomain"),
        ownerTeam: form.get("ownerTeam"),
        description: form.get("description"),
      };
      const created = await api<{ name: string }>("/api/v1/allowlists/services", { body });
      toast(`Created ${created.name}`);
      router.push(`/allowlists/services/${created.name}`);
    } catch (e) {
      if (e instanceof ApiError) setErrors(fieldErrors(e));
      else setErrors({ form: "Could not create the service" });
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <button type="button" className="btn btn-primary" onClick={() => setOpen(true)}>
        <PlusIcon /> New service
      </button>
      {open ? (
        // biome-ignore lint/a11y/noStaticElementInteractions: Escape from any field of the dialog bubbles here and closes it
        <div className="dialog-backdrop" role="presentation" onKeyDown={(e) => e.key === "Escape" && setOpen(false)}>
          <form
            className="dialog"
            role="dialog"
            aria-modal="true"
            aria-labelledby="new-service-title"
            onSubmit={(e) => {
              e.preventDefault();
              void submit(new FormData(e.currentTarget));
            }}
          >
            <header>
              <h2 id="new-service-title">New service</h2>
              <p className="muted small">A service that receives calls. Add its endpoints next, then grant callers.</p>
            </header>
            <div className="dialog-body stack">
              <Field name="name" label="Name" hint="lower case, e.g. payments" error={errors["body.name"]} autoFocus />
              <Field
                name="trustDomain"
                label="Trust domain"
                hint="the SPIFFE trust domain it runs in, e.g. prod.example.com"
                error={errors["body.trustDomain"]}
              />
              <Field
                name="ownerTeam"
                label="Owner team"
                hint="who answers for its callers"
                error={errors["body.ownerTeam"]}
              />
              <Field name="description" label="Description (optional)" error={errors["body.description"]} />
              {errors.form ? (
                <div role="alert" className="alert alert-danger">
                  {errors.form}
                </div>
              ) : null}
            </div>
            <footer>
              <button type="button" className="btn btn-ghost" onClick={() => setOpen(false)}>
                Cancel
              </button>
              <button type="submit" className="btn btn-primary" disabled={busy}>
                {busy ? <span className="spinner" /> : null} Create service
              </button>
            </footer>
          </form>
        </div>
      ) : null}
    </>
  );
}

export function Field({
  name,
  label,
  hint,
  error,
  autoFocus,
  defaultValue,
  placeholder,
}: {
  name: string;
  label: string;
  hint?: string;
  error?: string;
  autoFocus?: boolean;
  defaultValue?: string;
  placeholder?: string;
}) {
  const id = `f-${name}`;
  return (
    <TextField
      id={id}
      name={name}
      label={label}
      hint={hint}
      error={error}
      helpId={`${id}-help`}
      aria-invalid={error ? true : undefined}
      autoFocus={autoFocus}
      defaultValue={defaultValue}
      placeholder={placeholder}
    />
  );
}

/** Problem field errors keyed by path ("body.caller"), plus "form" for the overall message. */
export function fieldErrors(error: ApiError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of error.problem.errors ?? []) out[e.path] ??= e.message;
  if (Object.keys(out).length === 0) out.form = error.message;
  return out;
}
