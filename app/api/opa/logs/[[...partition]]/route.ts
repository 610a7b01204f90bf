// POST /api/opa/logs[/:partition] — see lib/agent-plane/agent-endpoints.ts
import { postDecisionLogs } from "@/lib/agent-plane/agent-endpoints";

export const dynamic = "force-dynamic";
export const POST = postDecisionLogs;
