// What the fleet benchmark runs against: one bundle and a credential for the fleet, a publisher
// that ships a new revision through the real change-request flow and notes when each one
// committed, and the handful of real `opa run` agents checked at the end of each configuration.
import type { AppInstance } from "@/test/support/app-process";
import type { OpaAgent } from "@/test/support/opa-agent";

export type FleetWorld = Awaited<ReturnType<typeof arrangePublishedBundle>>;

/**
 * The sample policy in one bundle, published once, and a credential for bundle + status + logs
 * (the fleet simulation's world, and the bundle benchmark's).
 */
export async function arrangePublishedBundle() {
  const { createTestUser } = await import("@/test/factories/actors");
  const { approvedScenario, TEST_OVERRIDE } = await import("@/test/factories/bundles");
  const { publishChangeRequest } = await import("@/lib/publishing/publish-change-request");
  const { createAgentCredential } = await import("@/lib/agents/create-agent-credential");
  const actors = {
    admin: await createTestUser(["admin"]),
    author: await createTestUser(["author"]),
    reviewer: await createTestUser(["reviewer"]),
  };
  const scenario = await approvedScenario(actors, {
    users: Array.from({ length: 200 }, (_, i) => `user-${i}@example.com`),
  });
  const { revisions } = await publishChangeRequest({
    actor: actors.admin,
    number: scenario.cr.number,
    input: { overrideReason: TEST_OVERRIDE },
  });
  const credential = await createAgentCredential({
    actor: actors.admin,
    input: {
      name: "fleet",
      kind: "bearer",
      bundles: [scenario.bundle.name],
      mayReportStatus: true,
      mayUploadLogs: true,
      expiresInDays: null,
    },
  });
  return {
    actors,
    scenario,
    bundle: scenario.bundle.name,
    token: credential.secret,
    opaConfig: credential.opaConfig,
    first: revisions[0]!,
  };
}

export type PublishedRevision = { id: string; etag: string; revision: string; number: number; returnedAt: number };

/**
 * Publishes new revisions on demand. A revision's commit time is when this process receives its
 * NOTIFY, which PostgreSQL sends at commit to every listener — the app instances included — so
 * it is the instant the servers learn of it (or, should it be missed, when the publish returned).
 */
export async function startPublisher(world: FleetWorld) {
  const { subscribe } = await import("@/lib/core/pg-listener");
  const { savePolicyVersion } = await import("@/lib/policies/save-policy-version");
  const { createChangeRequest } = await import("@/lib/change-requests/submit-change-request");
  const { reviewChangeRequest } = await import("@/lib/reviews/review-change-request");
  const { publishChangeRequest } = await import("@/lib/publishing/publish-change-request");
  const { allowPolicy, TEST_OVERRIDE } = await import("@/test/factories/bundles");
  const { actors, scenario } = world;
  const notifiedAt = new Map<string, number>();
  const unsubscribe = await subscribe(
    "verdict_bundle_revisions",
    (payload) => {
      notifiedAt.set(payload.split(":")[1] ?? "", performance.now());
    },
    () => {},
  );
  const byEtag = new Map<string, PublishedRevision>([[world.first.etag, { ...world.first, returnedAt: 0 }]]);
  let version = 1;
  return {
    byEtag,
    latest: () => [...byEtag.values()].sort((a, b) => b.number - a.number)[0]!,
    committedAt: (p: PublishedRevision) => notifiedAt.get(p.id) ?? p.returnedAt,
    publish: async (): Promise<PublishedRevision> => {
      const users = [`fleet-${version}@example.com`, "alice"];
      const saved = await savePolicyVersion({
        actor: actors.author,
        policyId: scenario.policy.id,
        input: {
          source: allowPolicy(scenario.packagePath, users),
          message: `fleet ${version}`,
          expectedVersion: version,
        },
      });
      version += 1;
      const cr = await createChangeRequest({
        actor: actors.author,
        input: {
          title: `fleet ${version}`,
          description: "",
          items: [{ kind: "policy_version", policyVersionId: saved.version.id }],
        },
      });
      await reviewChangeRequest({ actor: actors.reviewer, number: cr.number, input: { verdict: "approve", body: "" } });
      const stored = (
        await publishChangeRequest({ actor: actors.admin, number: cr.number, input: { overrideReason: TEST_OVERRIDE } })
      ).revisions[0]!;
      const published = {
        id: stored.id,
        etag: stored.etag,
        revision: stored.revision,
        number: stored.number,
        returnedAt: performance.now(),
      };
      byEtag.set(stored.etag, published);
      return published;
    },
    stop: () => unsubscribe(),
  };
}

export type RealAgents = {
  agents: OpaAgent[];
  dataPath: string;
  decided: Map<string, number>;
  stopDeciding: () => Promise<void>;
  stop: () => Promise<void>;
};

/**
 * Real `opa run -s` agents, spread over the app instances, configured as Verdict's generated
 * config says (bundle signing with the key id, status, decision logs reporting every 1–2 s),
 * each answering a steady trickle of decisions so that their own uploads arrive too.
 */
export async function startRealAgents(
  world: FleetWorld,
  apps: AppInstance[],
  count: number,
  tag: string,
  longPollSeconds: number,
): Promise<RealAgents> {
  const { startOpaAgent } = await import("@/test/support/opa-agent");
  const agents: OpaAgent[] = [];
  for (let i = 0; i < count; i++) {
    const app = apps[i % apps.length]!;
    agents.push(
      await startOpaAgent({
        name: `fleet-real-${tag}-${i}`,
        config: world.opaConfig,
        tweak: (config) => {
          config.services.verdict.url = `${app.url}/api/opa`;
          const keyid = Object.keys(config.keys ?? {})[0];
          for (const bundle of Object.values(config.bundles) as Array<Record<string, any>>) {
            bundle.polling = {
              min_delay_seconds: 1,
              max_delay_seconds: 2,
              long_polling_timeout_seconds: longPollSeconds,
            };
            bundle.signing = { ...bundle.signing, keyid };
          }
          config.decision_logs.reporting = { min_delay_seconds: 1, max_delay_seconds: 2 };
        },
      }),
    );
  }
  const decided = new Map<string, number>(agents.map((a) => [a.name, 0]));
  let running = true;
  const dataPath = `${world.scenario.packagePath.replaceAll(".", "/")}/allow`;
  const loop = (async () => {
    for (let n = 0; running; n++) {
      await Promise.all(
        agents.map(async (a) => {
          try {
            await a.decide(dataPath, { user: n % 3 === 0 ? "alice" : `user-${n % 250}@example.com` });
            decided.set(a.name, decided.get(a.name)! + 1);
          } catch {
            // counted only when OPA answered: an unanswered decision is not logged either
          }
        }),
      );
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    agents,
    decided,
    dataPath,
    stopDeciding: async () => {
      running = false;
      await loop;
    },
    stop: async () => {
      running = false;
      await loop;
      for (const a of agents) await a.stop();
    },
  };
}
