import { db } from "@/lib/core/db";
import { requirePermission, type Actor } from "@/lib/auth/actor";

type StepId = "agent" | "change" | "propose" | "approve" | "publish" | "agent-revision" | "decision";

export type GettingStartedStep = { id: StepId; title: string; detail: string; href: string; done: boolean };

/**
 * The first loop through Verdict, each step ticked off from what the installation really holds
 * (not from clicks): an agent reports, a policy changes and its tests pass, a change request is
 * opened, approved by someone else and published, the agent runs the new revision, and a decision
 * it made is stored.
 */
export async function gettingStarted(options: { actor: Actor }): Promise<GettingStartedStep[]> {
  requirePermission(options.actor, "policy:read");
  // One round trip of EXISTS probes: each stops at its first row. The decision probe reads the
  // hourly rollups, which ingestion writes in the same transaction, not the partitioned decisions.
  const [state] = await db.$queryRaw<Array<Record<StepId, boolean>>>`
    SELECT
      EXISTS (SELECT 1 FROM agents) AS agent,
      EXISTS (SELECT 1 FROM test_runs WHERE status = 'passed' AND (version_number >= 2 OR based_on_version >= 2)) AS change,
      EXISTS (SELECT 1 FROM change_requests) AS propose,
      EXISTS (SELECT 1 FROM change_request_reviews WHERE verdict = 'approve' AND voided_at IS NULL) AS approve,
      EXISTS (SELECT 1 FROM bundle_revisions) AS publish,
      EXISTS (
        SELECT 1 FROM agent_bundle_statuses s
        JOIN bundles b ON b.name = s.bundle_name
        WHERE s.active_revision = (SELECT r.revision FROM bundle_revisions r WHERE r.bundle_id = b.id ORDER BY r.number DESC LIMIT 1)
      ) AS "agent-revision",
      EXISTS (SELECT 1 FROM decision_rollups WHERE NOT unpublished) AS decision`;
  const done = (id: StepId) => state?.[id] === true;
  return [
    {
      id: "agent",
      title: "Connect an agent",
      detail: "Start the demo agent on the fleet page, or run OPA with a generated config.",
      href: "/fleet",
      done: done("agent"),
    },
    {
      id: "change",
      title: "Change a policy and run its tests",
      detail: "Edit a sample policy, save a new version, and run its cases and Rego tests.",
      href: "/policies",
      done: done("change"),
    },
    {
      id: "propose",
      title: "Open a change request",
      detail: "Propose the new version for review.",
      href: "/reviews/new",
      done: done("propose"),
    },
    {
      id: "approve",
      title: "Get it approved",
      detail: "Someone other than the author approves it: sign in as the sample reviewer.",
      href: "/reviews",
      done: done("approve"),
    },
    {
      id: "publish",
      title: "Publish",
      detail: "Publishing builds and signs a new bundle revision.",
      href: "/reviews",
      done: done("publish"),
    },
    {
      id: "agent-revision",
      title: "See the new revision on the agent",
      detail: "The fleet page shows which revision each agent runs.",
      href: "/fleet",
      done: done("agent-revision"),
    },
    {
      id: "decision",
      title: "Find a decision it made",
      detail: "Every decision an agent uploads is stored with the revision that made it.",
      href: "/decisions",
      done: done("decision"),
    },
  ];
}
