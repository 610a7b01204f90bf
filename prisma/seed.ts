import { randomBytes } from "node:crypto";
import { db } from "@/lib/core/db";
import { rawEnv } from "@/lib/core/env";
import { hashPassword } from "@/lib/auth/passwords";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { createPolicy } from "@/lib/policies/create-policy";
import type { Actor } from "@/lib/auth/actor";
import { SAMPLE_POLICIES } from "@/prisma/samples/sample-policies";
import { seedDemoBundle } from "@/lib/bundles/seed-demo-bundle";
import { seedSampleAllowlists } from "@/prisma/samples/sample-allowlists";
import { installAuthzPolicy } from "@/lib/allowlists/install-authz-policy";
import { runPolicyTests } from "@/lib/policy-tests/run-policy-tests";
import { ZCreateTestRunRequest } from "@/lib/policy-tests/schemas";
import { createUser } from "@/lib/users/create-user";

/**
 * Runs once, on an empty database: the first administrator and a few sample policies. The
 * generated password is printed once and stored only as a hash.
 */
export async function seedDemoData(log: (line: string) => void): Promise<void> {
  if ((await db.user.count()) > 0) return;
  const email = (rawEnv("VERDICT_ADMIN_EMAIL") ?? "admin@verdict.local").toLowerCase();
  const given = rawEnv("VERDICT_ADMIN_PASSWORD");
  const password = given ?? randomBytes(12).toString("base64url");
  // The bootstrap account holds every role so one person can try the whole product; separation
  // of duties still stops it approving its own changes. Add people and narrow roles in Admin → Users.
  const admin = await db.$transaction(async (tx) => {
    const user = await tx.user.create({
      data: {
        email,
        name: "Administrator",
        roles: ["admin", "author", "reviewer", "auditor"],
        passwordHash: await hashPassword(password),
      },
    });
    await recordAuditEvent(tx, {
      actor: { type: "system", label: "seed" },
      action: "user.create",
      target: { type: "user", id: user.id },
      after: { email: user.email, name: user.name, roles: user.roles, disabled: false },
    });
    return user;
  });
  const actor: Actor = {
    type: "user",
    userId: admin.id,
    email: admin.email,
    name: admin.name,
    roles: admin.roles,
    via: "session",
  };
  const policyIds: string[] = [];
  for (const sample of SAMPLE_POLICIES) {
    policyIds.push((await createPolicy({ actor, input: { ...sample, message: "Sample policy" } })).id);
  }
  policyIds.push((await installAuthzPolicy({ actor })).id);
  // Every sample ships with passing tests, and their runs are on record: the samples can be
  // published through review (tests, a second person's approval) from the first minute.
  for (const policyId of policyIds) {
    const run = await runPolicyTests({ actor, policyId, input: ZCreateTestRunRequest.parse({ version: "head" }) });
    if (run.status !== "passed")
      log(`warning: the sample tests of ${policyId} did not pass (${run.summary.passed} of ${run.summary.total})`);
  }
  await seedSampleAllowlists(actor);
  await seedDemoBundle(actor, log);
  const reviewer = await createSampleReviewer(actor);
  log("created the first administrator:");
  printCredentials(log, email, given ? null : password, "VERDICT_ADMIN_PASSWORD");
  log("and a reviewer, so a second person can approve what the administrator proposes:");
  printCredentials(log, reviewer.email, reviewer.generated, "VERDICT_REVIEWER_PASSWORD");
}

/** A second person with the reviewer role only: separation of duties needs two people. */
async function createSampleReviewer(admin: Actor): Promise<{ email: string; generated: string | null }> {
  const email = (rawEnv("VERDICT_REVIEWER_EMAIL") ?? "reviewer@verdict.local").toLowerCase();
  const given = rawEnv("VERDICT_REVIEWER_PASSWORD");
  const password = given ?? randomBytes(12).toString("base64url");
  await createUser({ actor: admin, input: { email, name: "Sample reviewer", roles: ["reviewer"], password } });
  return { email, generated: given ? null : password };
}

function printCredentials(log: (line: string) => void, email: string, generated: string | null, envName: string): void {
  log(`    email:    ${email}`);
  log(
    generated
      ? `    password: ${generated}    ← shown once; change it after signing in`
      : `    password: (from ${envName})`,
  );
}
