// POST /api/opa/status[/:partition] — an OPA agent reports its status; stored asynchronously, answered at once
import { AppError } from "@/lib/http/errors";
import { jsonNestingExceeds, MAX_JSON_DEPTH } from "@/lib/http/json-depth";
import { isJsonContentType, readBodyBounded } from "@/lib/http/read-body";
import { parse } from "@/lib/http/with-api";
import { withAgentRoute } from "@/lib/http/with-agent-route";
import { authenticateAgent } from "@/lib/agents/authenticate-agent";
import { enqueueAgentStatus } from "@/lib/agents/record-agent-status";
import { ZStatusReport } from "@/lib/agents/schemas";

export const dynamic = "force-dynamic";

const MAX_STATUS_BYTES = 1024 * 1024;

export const POST = withAgentRoute({ challenge: 'Bearer realm="verdict"' }, async ({ req }) => {
  const principal = await authenticateAgent(req.headers, { action: "status" });
  if (!isJsonContentType(req.headers.get("content-type"))) throw new AppError("unsupported_media_type", "Send the status report as application/json");
  const bytes = await readBodyBounded(req, MAX_STATUS_BYTES);
  if (jsonNestingExceeds(bytes)) throw new AppError("bad_request", `The status report nests JSON deeper than ${MAX_JSON_DEPTH} levels`);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch (cause) {
    if (cause instanceof AppError) throw cause;
    throw new AppError("bad_request", "The status report is not valid JSON", { cause });
  }
  const report = parse(ZStatusReport, value, "body");
  enqueueAgentStatus(report, principal.credentialId);
  return new Response(null, { status: 204 });
});
