import { db } from "@/lib/core/db";
import type { Actor } from "@/lib/auth/actor";
import { addEndpoint } from "@/lib/allowlists/add-endpoint";
import { proposeAllowlistChange } from "@/lib/allowlists/propose-allowlist-change";
import type { EntrySpec } from "@/lib/allowlists/change-plan";
import { proposalActor } from "@/lib/recertification/proposal-actor";
import type { NarrowEndpoint } from "@/lib/recertification/grant-evidence";

export type GrantToChange = EntrySpec & { entryId: string };

/**
 * A revoke (remove the grant) or a narrowing (the same caller, owner, reason and expiry on each
 * narrower endpoint, and the wide grant removed) as one allowlist change request, through the
 * ordinary proposal code. Narrower endpoints the service does not list yet are added to its
 * catalog first: an endpoint alone grants nothing.
 */
export async function proposeGrantChange(options: {
  decider: Actor;
  grant: GrantToChange;
  narrowTo: NarrowEndpoint[] | null;
  title: string;
  description: string;
  /** The campaign the decision was made in (null: a narrowing proposed from a service's page). */
  campaign: number | null;
  requestId?: string;
}): Promise<{ number: number }> {
  const { grant, narrowTo } = options;
  const author = await proposalActor(options.decider);
  if (narrowTo) await ensureEndpoints(author, grant.service, narrowTo, options.requestId);
  const key = { service: grant.service, method: grant.method, path: grant.path, caller: grant.caller };
  const upserts = (narrowTo ?? []).map((e, i) => ({
    row: i + 1,
    value: {
      service: grant.service,
      method: e.method,
      path: e.path,
      caller: grant.caller,
      owner: grant.owner,
      reason: grant.reason,
      expiresAt: grant.expiresAt?.toISOString() ?? "",
      crossTrustDomain: grant.crossTrustDomain,
    },
  }));
  const result = await proposeAllowlistChange({
    actor: author,
    requestId: options.requestId,
    title: options.title,
    description: options.description,
    origin: {
      type: "recertification",
      campaign: options.campaign,
      requestedById: options.decider.userId,
      requestedBy: options.decider.email,
    },
    input: {
      upserts,
      removals: [{ row: upserts.length + 1, value: key }],
      mode: "merge",
      dryRun: false,
      source: "recertification",
    },
  });
  return { number: result.changeRequest!.number };
}

async function ensureEndpoints(author: Actor, serviceName: string, endpoints: NarrowEndpoint[], requestId?: string) {
  const service = await db.service.findUnique({
    where: { name: serviceName },
    select: { endpoints: { select: { method: true, pathPattern: true } } },
  });
  const known = new Set(service?.endpoints.map((e) => `${e.method} ${e.pathPattern}`) ?? []);
  for (const e of endpoints) {
    if (known.has(`${e.method} ${e.path}`)) continue;
    await addEndpoint({
      actor: author,
      serviceName,
      input: { method: e.method, path: e.path, description: "added for a narrower grant (recertification)" },
      requestId,
    });
  }
}
