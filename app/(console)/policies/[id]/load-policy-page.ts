import { notFound } from "next/navigation";
import { requirePageActor } from "@/lib/auth/require-page-actor";
import { getPolicyOrThrow } from "@/lib/policies/get-policy";
import { ZPolicyParams } from "@/lib/policies/schemas";
import { AppError } from "@/lib/core/errors";

/** The signed-in reader and the policy a /policies/[id] page shows; a bad or unknown id is a 404. */
export async function loadPolicyPage(params: Promise<{ id: string }>) {
  const actor = await requirePageActor("policy:read");
  const parsed = ZPolicyParams.safeParse(await params);
  if (!parsed.success) notFound();
  const policy = await getPolicyOrThrow({ actor, id: parsed.data.id }).catch((error: unknown) => {
    if (error instanceof AppError && error.code === "not_found") notFound();
    throw error;
  });
  return { actor, policy };
}
