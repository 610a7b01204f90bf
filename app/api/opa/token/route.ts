// POST /api/opa/token — see lib/agent-plane/agent-endpoints.ts
import { postToken } from "@/lib/agent-plane/agent-endpoints";

export const dynamic = "force-dynamic";
export const POST = postToken;
