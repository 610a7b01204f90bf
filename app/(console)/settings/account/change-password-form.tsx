"use client";

import { useState } from "react";
import { api, ApiError } from "@/components/api-client";
import { toast } from "@/components/toaster";

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
      <div className="field">
        <label htmlFor="currentPassword">Current password</label>
        <input
          id="currentPassword"
          name="currentPassword"
          type="password"
          className="input"
          autoComplete="current-password"
          required
        />
      </div>
      <div className="field">
        <label htmlFor="newPassword">New password</label>
        <input
          id="newPassword"
          name="newPassword"
          type="password"
          className="input"
          autoComplete="new-password"
          minLength={12}
          required
        />
        <span className="hint">At least 12 characters.</span>
      </div>
      <div className="field">
        <label htmlFor="confirm">Repeat the new password</label>
        <input id="confirm" name="confirm" type="password" className="input" autoComplete="new-password" required />
      </div>
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
