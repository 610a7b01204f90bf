import type { Metadata } from "next";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { listSigningKeys } from "@/lib/bundles/signing-keys";
import { SigningKeysManager } from "./signing-keys-manager";
import { PageHeader } from "@/components/ui";

export const metadata: Metadata = { title: "Signing keys" };

export default async function SigningKeysPage() {
  const actor = await requirePageActor("key:manage");
  const keys = await listSigningKeys({ actor });
  return (
    <div className="page">
      <PageHeader title="Signing keys">
        The active key signs every new bundle revision. Standby keys are listed in agent configs so a rotation needs no
        agent change; retire a key once no agent needs it. Private keys are encrypted with the master key and never
        leave the server.
      </PageHeader>
      <SigningKeysManager keys={keys} />
    </div>
  );
}
