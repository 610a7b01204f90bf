"use client";

import { useState } from "react";
import { signIn } from "next-auth/react";
import { TextField } from "@/components/ui";

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
      <TextField id="email" label="Email" name="email" type="email" autoComplete="username" required autoFocus />
      <TextField
        id="password"
        label="Password"
        name="password"
        type="password"
        autoComplete="current-password"
        required
      />
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
