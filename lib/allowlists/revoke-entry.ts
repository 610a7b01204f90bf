import { requirePermission, type Actor } from "@/lib/auth/actor";
import { proposeAllowlistChange, type ProposalResult } from "@/lib/allowlists/propose-allowlist-change";
import { asSingleRequest } from "@/lib/allowlists/grant-access";
import { loadEntry } from "@/lib/allowlists/update-entry";

/** Proposes revoking a grant. */
export async function revokeEntry(options: { actor: Actor; id: string; requestId?: string }): Promise<ProposalResult> {
  requirePermission(options.actor, "allowlist:write");
  const entry = await loadEntry(options.id);
  return asSingleRequest(() =>
    proposeAllowlistChange({
      actor: options.actor,
      requestId: options.requestId,
      title: `Allowlist: revoke ${entry.caller} → ${entry.service} ${entry.method} ${entry.path}`,
      input: {
        upserts: [],
        removals: [
          { row: 1, value: { service: entry.service, method: entry.method, path: entry.path, caller: entry.caller } },
        ],
        mode: "merge",
        dryRun: false,
        source: "api",
      },
    }),
  );
}
