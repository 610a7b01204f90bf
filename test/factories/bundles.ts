import type { Actor } from "@/lib/auth/actor";
import { createPolicy } from "@/lib/policies/create-policy";
import { savePolicyVersion } from "@/lib/policies/save-policy-version";
import { createChangeRequest } from "@/lib/change-requests/submit-change-request";
import { reviewChangeRequest } from "@/lib/reviews/review-change-request";
import { publishChangeRequest } from "@/lib/publishing/publish-change-request";
import { policyInput } from "@/test/factories/sample-policies";
import { createBundle } from "@/lib/bundles/create-bundle";
import { createSigningKey } from "@/lib/bundles/signing-keys";
import { createTestUser } from "@/test/factories/actors";

let counter = 0;

/** A bundle root (and bundle name) no other test uses. */
export function uniqueRoot(): string {
  counter += 1;
  return `t${Date.now().toString(36)}${process.pid}x${counter}`;
}

export async function createTestBundle(
  admin: Actor,
  overrides: { name?: string; roots?: string[]; policyIds?: string[] } = {},
) {
  const root = uniqueRoot();
  return createBundle({
    actor: admin,
    input: {
      name: overrides.name ?? root.replaceAll("_", "-"),
      description: "",
      roots: overrides.roots ?? [root],
      policyIds: overrides.policyIds ?? [],
    },
  });
}

/** An allow-list policy under `root`: allow when input.user is one of `users`. */
export function allowPolicy(packagePath: string, users: string[]): string {
  return `package ${packagePath}\n\ndefault allow := false\n\nallow if input.user in ${JSON.stringify(users)}\n`;
}

/** A policy under a fresh root, a bundle shipping it, and an approved change request for version 1. */
export async function approvedScenario(
  actors: { admin: Actor; author: Actor; reviewer: Actor },
  options: { users?: string[] } = {},
) {
  const root = uniqueRoot();
  const packagePath = `${root}.authz`;
  const policy = await createPolicy({
    actor: actors.author,
    input: policyInput({ packagePath, source: allowPolicy(packagePath, options.users ?? ["alice"]) }),
  });
  const bundle = await createTestBundle(actors.admin, {
    name: root.replaceAll("_", "-"),
    roots: [root],
    policyIds: [policy.id],
  });
  const cr = await createChangeRequest({
    actor: actors.author,
    input: {
      title: `Ship ${packagePath}`,
      description: "",
      items: [{ kind: "policy_version", policyVersionId: policy.head.id }],
    },
  });
  await reviewChangeRequest({ actor: actors.reviewer, number: cr.number, input: { verdict: "approve", body: "" } });
  return { root, packagePath, policy, bundle, cr };
}

/** Saves a new version allowing `users`, submits and approves it (not published); returns the change request's number. */
export async function approveNewVersion(
  actors: { author: Actor; reviewer: Actor },
  scenario: { packagePath: string; policy: { id: string } },
  users: string[],
  expectedVersion: number,
): Promise<number> {
  const saved = await savePolicyVersion({
    actor: actors.author,
    policyId: scenario.policy.id,
    input: { source: allowPolicy(scenario.packagePath, users), message: `allow ${users.join(", ")}`, expectedVersion },
  });
  const cr = await createChangeRequest({
    actor: actors.author,
    input: {
      title: `Allow ${users.join(", ")}`,
      description: "",
      items: [{ kind: "policy_version", policyVersionId: saved.version.id }],
    },
  });
  await reviewChangeRequest({ actor: actors.reviewer, number: cr.number, input: { verdict: "approve", body: "" } });
  return cr.number;
}

/** Saves a new version allowing `users`, submits, approves and publishes it; returns the new revisions. */
export async function shipNewVersion(
  actors: { admin: Actor; author: Actor; reviewer: Actor },
  scenario: { packagePath: string; policy: { id: string } },
  users: string[],
  expectedVersion: number,
) {
  const number = await approveNewVersion(actors, scenario, users, expectedVersion);
  return publishChangeRequest({ actor: actors.admin, number, input: { overrideReason: TEST_OVERRIDE } });
}

// Publishes in tests that do not run the policy's tests are an admin override with this reason.
export const TEST_OVERRIDE = "integration test: no test runs exist on this branch";

/** A signing key, and an approved scenario published as r1 (admin override: no test runs). */
export async function publishedScenario(options: { users?: string[] } = {}) {
  const actors = {
    admin: await createTestUser(["admin"]),
    author: await createTestUser(["author"]),
    reviewer: await createTestUser(["reviewer"]),
  };
  await createSigningKey({ actor: actors.admin, input: { source: "generate", algorithm: "ES256", activate: true } });
  const scenario = await approvedScenario(actors, options);
  await publishChangeRequest({
    actor: actors.admin,
    number: scenario.cr.number,
    input: { overrideReason: TEST_OVERRIDE },
  });
  return { actors, scenario };
}
