"use client";

import { useState } from "react";
import { api, ApiError } from "@/components/api-client";
import { toast } from "@/components/toaster";
import { TextField } from "@/components/ui";

export function ChangePasswordForm() {
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function submit(form: HTMLFormElement) {
    const data = new FormData(form);
    if (data.get("newPassword") !== data.get("confirm")) return setError("The new passwords do not match.");
    setPending(true);
    setError(null);
    try {
      await api("/api/v1/me/password", {
        method: "PUT",
        body: { currentPassword: data.get("currentPassword"), newPassword: data.get("newPassword") },
      });
      form.reset();
      toast("Password changed");
    } catch (e) {
      setError(
        e instanceof ApiError
          ? e.problem.errors?.map((x) => `${x.path.replace("body.", "")} ${x.message}`).join("; ") || e.message
          : "Could not change the password",
      );
    } finally {
      setPending(false);
    }
  }

  return (
    <form
      className="card-body stack"
      onSubmit={(e) => {
        e.preventDefault();
        void submit(e.currentTarget);
      }}
    >
      <TextField
        id="currentPassword"
        label="Current password"
        name="currentPassword"
        type="password"
        autoComplete="current-password"
        required
      />
      <TextField
        id="newPassword"
        label="New password"
        name="newPassword"
        type="password"
        autoComplete="new-password"
        minLength={12}
        required
        hint="At least 12 characters."
      />
      <TextField
        id="confirm"
        label="Repeat the new password"
        name="confirm"
        type="password"
        autoComplete="new-password"
        required
      />
      {error ? (
        <div role="alert" className="alert alert-danger">
          {error}
        </div>
      ) : null}
      <div>
        <button type="submit" className="btn btn-primary" disabled={pending}>
          {pending ? <span className="spinner" aria-hidden /> : null} Change password
        </button>
      </div>
    </form>
  );
}
