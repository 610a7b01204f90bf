import { db } from "@/lib/core/db";
import { notFound } from "@/lib/core/errors";

/** The id of the bundle a target belongs to, by the bundle's name. */
export async function bundleIdOrThrow(name: string): Promise<string> {
  const bundle = await db.bundle.findUnique({ where: { name }, select: { id: true } });
  if (!bundle) throw notFound("Bundle");
  return bundle.id;
}
