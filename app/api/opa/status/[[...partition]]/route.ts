// POST /api/opa/status[/:partition] — see lib/agent-plane/agent-endpoints.ts
import { postStatus } from "@/lib/agent-plane/agent-endpoints";

export const dynamic = "force-dynamic";
export const POST = postStatus;
