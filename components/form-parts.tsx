import type { ApiError } from "@/components/api-client";

/** What the server refused, with each field's message (body.name → name: …). */
export function ProblemAlert({ error }: { error: ApiError | null }) {
  if (!error) return null;
  return (
    <div role="alert" className="alert alert-danger">
      {error.message}
      {error.problem.errors?.map((e) => (
        <div key={e.path} className="small">
          {e.path.replace("body.", "")}: {e.message}
        </div>
      ))}
    </div>
  );
}

/** A form's submit and cancel buttons. */
export function FormActions({
  submit,
  onCancel,
  busy = false,
}: {
  submit: string;
  onCancel: () => void;
  busy?: boolean;
}) {
  return (
    <div className="row">
      <button type="submit" className="btn btn-primary" disabled={busy}>
        {submit}
      </button>
      <button type="button" className="btn btn-ghost" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}
