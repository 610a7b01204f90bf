import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/core/db";
import type { Actor } from "@/lib/auth/actor";
import { createTestUser } from "@/test/factories/actors";
import { approveAndPublish, createServiceWithEndpoints, entry, shipAllowlistBundle } from "@/test/factories/allowlists";
import { republishIfExpired, nextExpiry } from "@/lib/publishing/expiry-republisher";
import { rollbackBundle } from "@/lib/publishing/rollback-bundle";
import { unpackTarGz } from "@/lib/core/tarball";
import { getChangeRequestOrThrow } from "@/lib/reviews/change-request-views";
import { reviewChangeRequest } from "@/lib/reviews/review-change-request";
import { publishChangeRequest } from "@/lib/publishing/publish-change-request";
import { lockRevisionWriters } from "@/lib/bundles/signing-keys";
import { approvedScenario, TEST_OVERRIDE } from "@/test/factories/bundles";
import { grantAccess } from "@/lib/allowlists/grant-access";
import { revokeEntry } from "@/lib/allowlists/revoke-entry";

let actors: { admin: Actor; author: Actor; reviewer: Actor };
const CALLER = "spiffe://prod.example/ns/batch/sa/job";

async function shippedAllowlists(revisionId: string) {
  const revision = await db.bundleRevision.findUniqueOrThrow({ where: { id: revisionId } });
  const files = await unpackTarGz(Buffer.from(revision.bytes));
  return JSON.parse(files.find((f) => f.name === "verdict/allowlists/data.json")!.content.toString("utf8"));
}

beforeAll(async () => {
  actors = {
    admin: await createTestUser(["admin"]),
    author: await createTestUser(["author"]),
    reviewer: await createTestUser(["reviewer"]),
  };
  await shipAllowlistBundle(actors);
});

describe("publishing allowlists", () => {
  it("shows the reviewer the change as grant tuples, live against today's allowlists", async () => {
    await createServiceWithEndpoints(actors.author, { name: "ledger", endpoints: [["POST", "/entries"]] });
    const proposed = await grantAccess({ actor: actors.author, input: entry("ledger", "POST", "/entries", CALLER) });
    const view = await getChangeRequestOrThrow({ actor: actors.reviewer, number: proposed.changeRequest!.number });
    expect(view.items).toEqual([
      expect.objectContaining({
        kind: "allowlist_change",
        bundle: "authz",
        problems: [],
        diff: expect.objectContaining({
          lines: [`+ ${CALLER} → ledger POST /entries`],
          summary: `+ ${CALLER} → ledger POST /entries`,
        }),
      }),
    ]);
    expect(view.tests.passed).toBe(true);
    expect(view.can.publish).toBe(false);
    await approveAndPublish(actors, proposed.changeRequest!.number);
    const after = await getChangeRequestOrThrow({ actor: actors.reviewer, number: proposed.changeRequest!.number });
    expect(after.items[0]).toMatchObject({ diff: { lines: [`+ ${CALLER} → ledger POST /entries`] } });
  });

  it("republishes on schedule when a published grant expires, without it", async () => {
    await createServiceWithEndpoints(actors.author, { name: "reports", endpoints: [["GET", "/reports/*"]] });
    // Far enough out that a slow publish on a loaded machine still ships the grant.
    const expiresAt = new Date(Date.now() + 6000);
    const proposed = await grantAccess({
      actor: actors.author,
      input: entry("reports", "GET", "/reports/*", CALLER, { expiresAt: expiresAt.toISOString() }),
    });
    const published = await approveAndPublish(actors, proposed.changeRequest!.number);
    const revision = published.revisions[0]!;
    expect((await shippedAllowlists(revision.id)).services.reports.callers[CALLER]).toEqual([
      expect.objectContaining({ expires_at_ns: expect.any(Number) }),
    ]);
    expect((await nextExpiry())?.getTime()).toBe(expiresAt.getTime());
    expect(await republishIfExpired()).toBeNull();

    await new Promise((r) => setTimeout(r, expiresAt.getTime() - Date.now() + 50));
    const republished = await republishIfExpired();
    expect(republished).toMatchObject({ bundle: "authz", number: revision.number + 1 });
    expect((await shippedAllowlists(republished!.id)).services.reports.callers).toEqual({});
    const stored = await db.bundleRevision.findUniqueOrThrow({
      where: { id: republished!.id },
      include: { policyVersions: true },
    });
    expect(stored.reason).toMatch(/^scheduled republish: allowlist grants expired at /);
    expect(stored.policyVersions).toHaveLength(1);
    const event = await db.auditEvent.findFirstOrThrow({
      where: { action: "bundle.republish" },
      orderBy: { seq: "desc" },
    });
    expect(event).toMatchObject({ actorType: "system", actorLabel: "allowlist-expiry" });
    expect(await republishIfExpired()).toBeNull();
  });

  it("rolls policies back without bringing back grants revoked since", async () => {
    const grant = await db.allowlistEntry.findFirstOrThrow({
      where: { callerId: CALLER, endpoint: { service: { name: "ledger" } } },
    });
    const before = await db.bundleRevision.findFirstOrThrow({
      where: { bundle: { name: "authz" } },
      orderBy: { number: "desc" },
    });
    const revoked = await revokeEntry({ actor: actors.author, id: grant.id });
    await approveAndPublish(actors, revoked.changeRequest!.number);
    const rolledBack = await rollbackBundle({
      actor: actors.admin,
      name: "authz",
      input: { toRevision: before.number, reason: "testing that rollback keeps revocations" },
    });
    expect((await shippedAllowlists(rolledBack.id)).services.ledger.callers).toEqual({});
  });

  it("lands two publishes queued behind each other, one applying allowlist changes, without a deadlock", async () => {
    await createServiceWithEndpoints(actors.author, { name: "audit-sink", endpoints: [["PUT", "/events"]] });
    const allowlistChange = await grantAccess({
      actor: actors.author,
      input: entry("audit-sink", "PUT", "/events", CALLER),
    });
    await reviewChangeRequest({
      actor: actors.reviewer,
      number: allowlistChange.changeRequest!.number,
      input: { verdict: "approve", body: "" },
    });
    const policyChange = await approvedScenario(actors);

    // Park a publish of each kind behind a transaction that holds every lock a publish takes
    // first, the policy-only one first in the queue; then let them go. Applying allowlist
    // changes writes to the audit chain, so a publish that did that before queuing would hold
    // the chain while the other, ahead of it, needs the chain to finish.
    const waiting = async () =>
      (
        await db.$queryRaw<
          Array<{ n: number }>
        >`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`
      )[0]!.n;
    const until = async (n: number) => {
      while ((await waiting()) < n) await new Promise((r) => setTimeout(r, 20));
    };
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const holder = db.$transaction(
      async (tx) => {
        await lockRevisionWriters(tx);
        await gate;
      },
      { timeout: 30_000 },
    );
    await until(0);
    const policyPublish = publishChangeRequest({
      actor: actors.admin,
      number: policyChange.cr.number,
      input: { overrideReason: TEST_OVERRIDE },
    });
    await until(1);
    const allowlistPublish = publishChangeRequest({
      actor: actors.reviewer,
      number: allowlistChange.changeRequest!.number,
      input: {},
    });
    await until(2);
    release();
    await holder;
    const [policy, allowlist] = await Promise.all([policyPublish, allowlistPublish]);
    expect(policy.revisions.map((r) => r.bundle)).toEqual([policyChange.bundle.name]);
    expect(allowlist.revisions.map((r) => r.bundle)).toEqual(["authz"]);
  });
});
