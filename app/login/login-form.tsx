"use client";

import { useState } from "react";
import { signIn } from "next-auth/react";

const ERRORS: Record<string, string> = {
  CredentialsSignin: "The email or password is not right.",
  AccessDenied: "Your account is not allowed to sign in here. Ask an administrator to add you.",
  throttled: "Too many failed attempts. Wait a few minutes and try again.",
};

export function LoginForm({
  callbackUrl,
  initialError,
  ssoName,
}: {
  callbackUrl: string;
  initialError: string | null;
  ssoName: string | null;
}) {
  const [error, setError] = useState<string | null>(initialError ? (ERRORS[initialError] ?? "Sign-in failed.") : null);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(null);
    const result = await signIn("credentials", {
      email: String(form.get("email") ?? ""),
      password: String(form.get("password") ?? ""),
      redirect: false,
      callbackUrl,
    });
    if (result?.ok && !result.error) {
      window.location.assign(callbackUrl);
      return;
    }
    setPending(false);
    setError(ERRORS[result?.error ?? ""] ?? "Sign-in failed.");
  }

  return (
    <form onSubmit={onSubmit} className="stack" noValidate>
      {error ? (
        <div role="alert" className="alert alert-danger">
          {error}
        </div>
      ) : null}
      <div className="field">
        <label htmlFor="email">Email</label>
        <input id="email" name="email" type="email" className="input" autoComplete="username" required autoFocus />
      </div>
      <div className="field">
        <label htmlFor="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          className="input"
          autoComplete="current-password"
          required
        />
      </div>
      <button type="submit" className="btn btn-primary" disabled={pending}>
        {pending ? <span className="spinner" aria-hidden /> : null}
        {pending ? "Signing in…" : "Sign in"}
      </button>
      {ssoName ? (
        <button type="button" className="btn" onClick={() => void signIn("oidc", { callbackUrl })}>
          Continue with {ssoName}
        </button>
      ) : null}
    </form>
  );
}
