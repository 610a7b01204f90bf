import { db } from "@/lib/core/db";
import { requirePermission, type Actor } from "@/lib/auth/actor";

export type GettingStartedStep = { id: string; title: string; detail: string; href: string; done: boolean };

/**
 * The first loop through Verdict, each step ticked off from what the installation really holds
 * (not from clicks): an agent reports, a policy changes and its tests pass, a change request is
 * opened, approved by someone else and published, the agent runs the new revision, and a decision
 * it made is stored.
 */
export async function gettingStarted(options: { actor: Actor }): Promise<GettingStartedStep[]> {
  requirePermission(options.actor, "policy:read");
  const [agents, testedChange, changeRequests, approvals, revisions, agentOnLatest, decided] = await Promise.all([
    db.agent.count(),
    // A run of a saved second version, or the editor's run of its content (inline, based on it).
    db.testRun.count({
      where: { status: "passed", OR: [{ versionNumber: { gte: 2 } }, { basedOnVersion: { gte: 2 } }] },
    }),
    db.changeRequest.count(),
    db.changeRequestReview.count({ where: { verdict: "approve", voidedAt: null } }),
    db.bundleRevision.count(),
    db.$queryRaw<Array<{ found: boolean }>>`
      SELECT EXISTS (
        SELECT 1 FROM agent_bundle_statuses s
        JOIN bundles b ON b.name = s.bundle_name
        WHERE s.active_revision = (SELECT r.revision FROM bundle_revisions r WHERE r.bundle_id = b.id ORDER BY r.number DESC LIMIT 1)
      ) AS found`,
    db.$queryRaw<Array<{ found: boolean }>>`SELECT EXISTS (SELECT 1 FROM decisions WHERE NOT unpublished) AS found`,
  ]);
  return [
    {
      id: "agent",
      title: "Connect an agent",
      detail: "Start the demo agent on the fleet page, or run OPA with a generated config.",
      href: "/fleet",
      done: agents > 0,
    },
    {
      id: "change",
      title: "Change a policy and run its tests",
      detail: "Edit a sample policy, save a new version, and run its cases and Rego tests.",
      href: "/policies",
      done: testedChange > 0,
    },
    {
      id: "propose",
      title: "Open a change request",
      detail: "Propose the new version for review.",
      href: "/reviews/new",
      done: changeRequests > 0,
    },
    {
      id: "approve",
      title: "Get it approved",
      detail: "Someone other than the author approves it: sign in as the sample reviewer.",
      href: "/reviews",
      done: approvals > 0,
    },
    {
      id: "publish",
      title: "Publish",
      detail: "Publishing builds and signs a new bundle revision.",
      href: "/reviews",
      done: revisions > 0,
    },
    {
      id: "agent-revision",
      title: "See the new revision on the agent",
      detail: "The fleet page shows which revision each agent runs.",
      href: "/fleet",
      done: agentOnLatest[0]?.found === true,
    },
    {
      id: "decision",
      title: "Find a decision it made",
      detail: "Every decision an agent uploads is stored with the revision that made it.",
      href: "/decisions",
      done: decided[0]?.found === true,
    },
  ];
}
