import type { Metadata } from "next";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { permissionsOf } from "@/lib/auth/roles";
import { ChangePasswordForm } from "./change-password-form";

export const metadata: Metadata = { title: "Account" };

export default async function AccountPage() {
  const actor = await requirePageActor("token:self");
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Your account</h1>
          <p className="subtitle">{actor.email}</p>
        </div>
      </div>
      <div className="grid-2">
        <section className="card" aria-labelledby="roles-title">
          <div className="card-header">
            <h2 id="roles-title" style={{ fontSize: 14 }}>
              Roles and permissions
            </h2>
          </div>
          <div className="card-body stack">
            <div className="row row-wrap">
              {actor.roles.map((r) => (
                <span key={r} className="badge badge-accent">
                  {r}
                </span>
              ))}
            </div>
            <div className="row row-wrap" style={{ gap: 4 }}>
              {[...permissionsOf(actor.roles)].sort().map((p) => (
                <code key={p} className="badge">
                  {p}
                </code>
              ))}
            </div>
          </div>
        </section>
        <section className="card" aria-labelledby="password-title">
          <div className="card-header">
            <h2 id="password-title" style={{ fontSize: 14 }}>
              Change password
            </h2>
          </div>
          <ChangePasswordForm />
        </section>
      </div>
    </div>
  );
}
