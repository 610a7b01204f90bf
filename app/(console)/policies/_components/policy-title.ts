import type { Metadata } from "next";
import { can } from "@/lib/auth/actor";
import { sessionActor } from "@/lib/auth/resolve-actor";
import { getPolicyOrThrow } from "@/lib/policies/get-policy";
import { ZPolicyParams } from "@/lib/policies/schemas";

/** The tab title of a policy's pages: its name for those who may read it, else a plain "Policy". */
export async function policyMetadata(params: Promise<{ id: string }>, suffix?: string): Promise<Metadata> {
  const parsed = ZPolicyParams.safeParse(await params);
  const actor = await sessionActor().catch(() => null);
  let name = "Policy";
  if (parsed.success && actor && can(actor, "policy:read")) {
    name = await getPolicyOrThrow({ actor, id: parsed.data.id })
      .then((policy) => policy.name)
      .catch(() => "Policy");
  }
  return { title: suffix ? `${suffix} · ${name}` : name };
}
