// GET /api/health — liveness and database readiness for load balancers (no details, no auth)
import { checkHealth } from "@/lib/core/health";

export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  const health = await checkHealth();
  return Response.json(health, { status: health.ok ? 200 : 503, headers: { "cache-control": "no-store" } });
}
