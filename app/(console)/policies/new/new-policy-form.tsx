"use client";

import { useMemo, useState } from "react";
import { useRouter } from "next/navigation";
import { api, ApiError } from "@/components/api-client";
import { RegoEditor } from "@/components/monaco";
import { ProblemsPanel } from "../_components/problems-panel";
import { toMarkers, useRegoLint } from "../_components/use-rego-lint";
import { FormActions } from "@/components/form-parts";
import { TextField } from "@/components/ui";

const template = (pkg: string) =>
  `package ${pkg || "example.authz"}\n\n# Deny by default.\ndefault allow := false\n\nallow if {\n\tinput.user.role == "admin"\n}\n`;

export function NewPolicyForm() {
  const router = useRouter();
  const [name, setName] = useState("");
  const [packagePath, setPackagePath] = useState("");
  const [owner, setOwner] = useState("");
  const [description, setDescription] = useState("");
  const [source, setSource] = useState(template(""));
  const [touchedSource, setTouchedSource] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const lint = useRegoLint(source, "policy.rego");
  const markers = useMemo(() => toMarkers(lint), [lint]);
  const fieldError = (path: string) => error?.problem.errors?.find((e) => e.path === `body.${path}`)?.message;

  async function create() {
    if (pending) return;
    setPending(true);
    setError(null);
    try {
      const created = await api<{ id: string }>("/api/v1/policies", {
        body: { name, packagePath, owner, description, source, message: "Created" },
      });
      router.push(`/policies/${created.id}`);
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError({ status: 0, detail: "The server could not be reached" }));
      setPending(false);
    }
  }

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void create();
      }}
      className="editor-layout"
      noValidate
    >
      <div className="stack">
        <div className="card card-body grid-2">
          <TextField
            id="name"
            label="Name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            required
            aria-invalid={Boolean(fieldError("name"))}
            error={fieldError("name")}
          />
          <TextField
            id="packagePath"
            label="Package"
            className="input mono"
            placeholder="payments.authz"
            value={packagePath}
            required
            aria-invalid={Boolean(fieldError("packagePath"))}
            onChange={(e) => {
              setPackagePath(e.target.value);
              if (!touchedSource) setSource(template(e.target.value));
            }}
            error={fieldError("packagePath")}
            hint={<>The module&apos;s package line must match.</>}
          />
          <TextField
            id="owner"
            label="Owner"
            placeholder="team or person"
            value={owner}
            onChange={(e) => setOwner(e.target.value)}
            required
            aria-invalid={Boolean(fieldError("owner"))}
            error={fieldError("owner")}
          />
          <TextField
            id="description"
            label="Description"
            value={description}
            onChange={(e) => setDescription(e.target.value)}
          />
        </div>
        <div className="editor-frame">
          <RegoEditor
            value={source}
            onChange={(v) => {
              setTouchedSource(true);
              setSource(v);
            }}
            markers={markers}
            height={420}
            onSave={() => void create()}
          />
        </div>
        {error ? (
          <div role="alert" className="alert alert-danger">
            {error.message}
          </div>
        ) : null}
        <FormActions submit="Create policy" busy={pending} spinner onCancel={() => router.push("/policies")} />
      </div>
      <ProblemsPanel lint={lint} onReveal={() => {}} />
    </form>
  );
}
