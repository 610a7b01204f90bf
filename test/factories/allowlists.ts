import type { Actor } from "@/lib/auth/actor";
import { changeAllowlists } from "@/lib/allowlists/change-allowlists";
import type { TEntrySpecInput } from "@/lib/allowlists/schemas";
import { installAuthzPolicy } from "@/lib/allowlists/install-authz-policy";
import { createChangeRequest } from "@/lib/change-requests/submit-change-request";
import { reviewChangeRequest } from "@/lib/reviews/review-change-request";
import { publishChangeRequest } from "@/lib/publishing/publish-change-request";
import { TEST_OVERRIDE } from "@/test/factories/bundles";
import { allowlistBundle } from "@/lib/allowlists/bundle-allowlists";
import { db } from "@/lib/core/db";
import { createBundle } from "@/lib/bundles/create-bundle";
import { createService } from "@/lib/allowlists/create-service";
import { addEndpoint } from "@/lib/allowlists/add-endpoint";

let counter = 0;

/** A unique service name per call, so test files and re-runs never collide. */
export function serviceName(base = "svc"): string {
  counter += 1;
  return `${base}-${counter}-${process.pid.toString(36)}`;
}

export async function createServiceWithEndpoints(
  actor: Actor,
  options: {
    name?: string;
    trustDomain?: string;
    ownerTeam?: string;
    endpoints: Array<[method: string, path: string]>;
  },
) {
  const service = await createService({
    actor,
    input: {
      name: options.name ?? serviceName(),
      trustDomain: options.trustDomain ?? "prod.example",
      ownerTeam: options.ownerTeam ?? "team-payments",
      description: "",
    },
  });
  for (const [method, path] of options.endpoints)
    await addEndpoint({ actor, serviceName: service.name, input: { method, path, description: "" } });
  return service;
}

/** Applies grants directly (as an import would), failing loudly on any row error. */
export async function grant(actor: Actor, entries: TEntrySpecInput[]) {
  const result = await changeAllowlists({
    actor,
    input: {
      upserts: entries.map((value, i) => ({ row: i + 1, value })),
      removals: [],
      mode: "merge",
      dryRun: false,
      source: "test",
    },
  });
  return result;
}

export function entry(
  service: string,
  method: string,
  path: string,
  caller: string,
  extra: Partial<TEntrySpecInput> = {},
): TEntrySpecInput {
  return { service, method, path, caller, owner: "team-billing", reason: "needed for the refund flow", ...extra };
}

/**
 * The shipped verdict.authz policy in a bundle whose root `verdict` also carries the allowlists,
 * published once (revision r1). Allowlist change requests then publish into this bundle.
 */
export async function shipAllowlistBundle(actors: { admin: Actor; author: Actor; reviewer: Actor }, name = "authz") {
  const policy = await installAuthzPolicy({ actor: actors.author });
  const bundle = await createBundle({
    actor: actors.admin,
    input: { name, description: "caller allowlists", roots: ["verdict"], policyIds: [policy.id] },
  });
  const cr = await createChangeRequest({
    actor: actors.author,
    input: {
      title: "Ship verdict.authz",
      description: "",
      items: [{ kind: "policy_version", policyVersionId: policy.versionId }],
    },
  });
  await reviewChangeRequest({ actor: actors.reviewer, number: cr.number, input: { verdict: "approve", body: "" } });
  const published = await publishChangeRequest({
    actor: actors.admin,
    number: cr.number,
    input: { overrideReason: TEST_OVERRIDE },
  });
  return { bundle, policy, revision: published.revisions[0]! };
}

/** Approves (as someone else) and publishes a proposed allowlist change request. */
export async function approveAndPublish(actors: { reviewer: Actor }, number: number) {
  await reviewChangeRequest({ actor: actors.reviewer, number, input: { verdict: "approve", body: "" } });
  return publishChangeRequest({ actor: actors.reviewer, number, input: {} });
}

/** The bundle carrying the allowlists, shipped once per database (test files share the e2e one). */
export async function ensureAllowlistBundle(actors: { admin: Actor; author: Actor; reviewer: Actor }) {
  const existing = await allowlistBundle(db);
  if (existing) return existing;
  return (await shipAllowlistBundle(actors)).bundle;
}
