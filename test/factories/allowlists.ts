import type { Actor } from "@/lib/auth/actor";
import { addEndpoint, createService } from "@/lib/allowlists/manage-services";
import { changeAllowlists } from "@/lib/allowlists/change-allowlists";
import type { TEntrySpecInput } from "@/lib/allowlists/schemas";

let counter = 0;

/** A unique service name per call, so test files and re-runs never collide. */
export function serviceName(base = "svc"): string {
  counter += 1;
  return `${base}-${counter}-${process.pid.toString(36)}`;
}

export async function createServiceWithEndpoints(
  actor: Actor,
  options: { name?: string; trustDomain?: string; ownerTeam?: string; endpoints: Array<[method: string, path: string]> },
) {
  const service = await createService({
    actor,
    input: { name: options.name ?? serviceName(), trustDomain: options.trustDomain ?? "prod.example", ownerTeam: options.ownerTeam ?? "team-payments", description: "" },
  });
  for (const [method, path] of options.endpoints) await addEndpoint({ actor, serviceName: service.name, input: { method, path, description: "" } });
  return service;
}

/** Applies grants directly (as an import would), failing loudly on any row error. */
export async function grant(actor: Actor, entries: TEntrySpecInput[]) {
  const result = await changeAllowlists({
    actor, input: { upserts: entries.map((value, i) => ({ row: i + 1, value })), removals: [], mode: "merge", dryRun: false, source: "test" },
  });
  return result;
}

export function entry(service: string, method: string, path: string, caller: string, extra: Partial<TEntrySpecInput> = {}): TEntrySpecInput {
  return { service, method, path, caller, owner: "team-billing", reason: "needed for the refund flow", ...extra };
}
