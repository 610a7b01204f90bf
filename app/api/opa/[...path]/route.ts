// /api/opa/* when Next.js serves it itself (`next dev`, or `next start` without server.mjs): the
// same routing table and handlers as the agent plane (lib/agents/plane/agent-router.ts).
import { answerAgentRequest } from "@/lib/agents/plane/agent-router";

export const dynamic = "force-dynamic";

function answer(req: Request): Promise<Response> {
  return answerAgentRequest(req, new URL(req.url).pathname);
}

export {
  answer as GET,
  answer as HEAD,
  answer as POST,
  answer as PUT,
  answer as PATCH,
  answer as DELETE,
  answer as OPTIONS,
};
