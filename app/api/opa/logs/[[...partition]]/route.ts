// POST /api/opa/logs[/:partition] — an OPA agent uploads a gzip batch of decision-log events; 200 only once stored
import { withAgentRoute } from "@/lib/http/with-agent-route";
import { authenticateAgent } from "@/lib/agents/authenticate-agent";
import { uploadDecisionLogs } from "@/lib/decisions/upload-decision-logs";

export const dynamic = "force-dynamic";

export const POST = withAgentRoute({ challenge: 'Bearer realm="verdict"' }, async ({ req, requestId }) => {
  // Authenticate before reading a byte of the body: an unknown or out-of-scope caller stores nothing.
  const principal = await authenticateAgent(req.headers, { action: "logs" });
  return uploadDecisionLogs(req, { credentialId: principal.credentialId }, requestId);
});
