import { randomBytes } from "node:crypto";
import { db } from "@/lib/core/db";
import { rawEnv } from "@/lib/core/env";
import { hashPassword } from "@/lib/auth/passwords";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { createPolicy } from "@/lib/policies/create-policy";
import type { Actor } from "@/lib/auth/actor";
import { SAMPLE_POLICIES } from "@/test/factories/sample-policies";
import { seedDemoBundle } from "@/lib/bundles/seed-demo-bundle";
import { seedDemoAllowlists } from "@/test/factories/demo-allowlists";
import { installAuthzPolicy } from "@/lib/allowlists/install-authz-policy";

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
  for (const sample of SAMPLE_POLICIES) {
    await createPolicy({ actor, input: { ...sample, message: "Sample policy" } });
  }
  await installAuthzPolicy({ actor });
  await seedDemoAllowlists(actor);
  await seedDemoBundle(actor, log);
  log("created the first administrator:");
  log(`    email:    ${email}`);
  log(
    given
      ? "    password: (from VERDICT_ADMIN_PASSWORD)"
      : `    password: ${password}    ← shown once; change it after signing in`,
  );
}
