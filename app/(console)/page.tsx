import type { Metadata } from "next";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { gettingStarted } from "@/lib/onboarding/getting-started";
import { GettingStarted } from "./getting-started";

export const metadata: Metadata = { title: "Home" };

export default async function Home() {
  const actor = await requirePageActor("policy:read");
  const steps = await gettingStarted({ actor });
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Welcome to Verdict</h1>
          <p className="subtitle">
            Policies are edited and tested here, approved by a second person, published as signed bundles to OPA agents,
            and every decision the agents make comes back as evidence.
          </p>
        </div>
      </div>
      <GettingStarted steps={steps} />
    </div>
  );
}
