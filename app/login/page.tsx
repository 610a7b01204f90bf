import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { sessionActor } from "@/lib/auth/resolve-actor";
import { env } from "@/lib/core/env";
import { LoginForm } from "@/app/login/login-form";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

export default async function LoginPage({
  searchParams,
}: {
  searchParams: Promise<{ callbackUrl?: string; error?: string }>;
}) {
  const params = await searchParams;
  if (await sessionActor()) redirect(safeCallback(params.callbackUrl));
  const e = env();
  const sso = e.OIDC_ISSUER && e.OIDC_CLIENT_ID ? e.OIDC_NAME : null;
  return (
    <main className="auth-page">
      <div className="card auth-card">
        <div className="brand">
          <span className="brand-mark" aria-hidden>
            V
          </span>{" "}
          Verdict
        </div>
        <h1 style={{ marginBottom: 4 }}>Sign in</h1>
        <p className="muted" style={{ marginBottom: 20 }}>
          Policy control plane for Open Policy Agent
        </p>
        <LoginForm callbackUrl={safeCallback(params.callbackUrl)} initialError={params.error ?? null} ssoName={sso} />
      </div>
    </main>
  );
}

// Only same-site paths: an absolute URL here would make the login page an open redirect.
function safeCallback(url: string | undefined): string {
  return url?.startsWith("/") && !url.startsWith("//") ? url : "/";
}
