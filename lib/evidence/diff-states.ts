import { requirePermission, type Actor } from "@/lib/auth/actor";
import { loadStateAt, type GrantAt, type StateAt } from "@/lib/evidence/state-at";

export type RevisionChange = { bundle: string; from: string | null; to: string | null };
export type PolicyChange = { bundle: string; packagePath: string; from: number | null; to: number | null };
export type AgentChange = { bundle: string; identity: string; from: string | null; to: string | null };
export type GrantChange = { id: string; label: string; from: GrantAt | null; to: GrantAt | null; fields: string[] };
export type StateDiff = {
  from: StateAt;
  to: StateAt;
  revisions: RevisionChange[];
  policies: PolicyChange[];
  agents: AgentChange[];
  grants: { added: GrantChange[]; removed: GrantChange[]; changed: GrantChange[] };
};

const GRANT_FIELDS = ["expiresAt", "crossTrustDomain", "owner", "reason", "approvedBy"] as const;

export async function diffStates(options: { actor: Actor; from: Date; to: Date }): Promise<StateDiff> {
  requirePermission(options.actor, "evidence:read");
  const [from, to] = [await loadStateAt(options.from), await loadStateAt(options.to)];
  return compareStates(from, to);
}

/** What changed between two states: revisions served, policy versions, agent reports and grants in force. */
export function compareStates(from: StateAt, to: StateAt): StateDiff {
  const names = [...new Set([...from.bundles, ...to.bundles].map((b) => b.name))].sort();
  const revisions: RevisionChange[] = [];
  const policies: PolicyChange[] = [];
  const agents: AgentChange[] = [];
  for (const name of names) {
    const a = from.bundles.find((b) => b.name === name);
    const b = to.bundles.find((x) => x.name === name);
    const ra = a?.revision?.revision ?? null;
    const rb = b?.revision?.revision ?? null;
    if (ra !== rb) revisions.push({ bundle: name, from: ra, to: rb });
    const pa = new Map((a?.revision?.policies ?? []).map((p) => [p.packagePath, p.version]));
    const pb = new Map((b?.revision?.policies ?? []).map((p) => [p.packagePath, p.version]));
    for (const path of [...new Set([...pa.keys(), ...pb.keys()])].sort()) {
      if (pa.get(path) !== pb.get(path))
        policies.push({ bundle: name, packagePath: path, from: pa.get(path) ?? null, to: pb.get(path) ?? null });
    }
    const aa = new Map((a?.agents ?? []).map((x) => [x.identity, x.revision]));
    const ab = new Map((b?.agents ?? []).map((x) => [x.identity, x.revision]));
    for (const identity of [...new Set([...aa.keys(), ...ab.keys()])].sort()) {
      if (aa.get(identity) !== ab.get(identity))
        agents.push({ bundle: name, identity, from: aa.get(identity) ?? null, to: ab.get(identity) ?? null });
    }
  }
  const ga = new Map((from.grants?.items ?? []).map((g) => [g.id, g]));
  const gb = new Map((to.grants?.items ?? []).map((g) => [g.id, g]));
  const grants: StateDiff["grants"] = { added: [], removed: [], changed: [] };
  for (const id of [...new Set([...ga.keys(), ...gb.keys()])]) {
    const x = ga.get(id) ?? null;
    const y = gb.get(id) ?? null;
    const label = grantLabel((y ?? x)!);
    if (!x) grants.added.push({ id, label, from: null, to: y, fields: [] });
    else if (!y) grants.removed.push({ id, label, from: x, to: null, fields: [] });
    else {
      const fields = GRANT_FIELDS.filter((f) => x[f] !== y[f]);
      if (fields.length > 0) grants.changed.push({ id, label, from: x, to: y, fields });
    }
  }
  for (const list of Object.values(grants)) list.sort((p, q) => p.label.localeCompare(q.label));
  return { from, to, revisions, policies, agents, grants };
}

export function grantLabel(g: Pick<GrantAt, "service" | "method" | "path" | "caller">): string {
  return `${g.caller} → ${g.service} ${g.method} ${g.path}`;
}
