// GET /api/opa/bundles/:name — see lib/agent-plane/agent-endpoints.ts
import { getBundle } from "@/lib/agent-plane/agent-endpoints";

export const dynamic = "force-dynamic";
export const GET = getBundle;
