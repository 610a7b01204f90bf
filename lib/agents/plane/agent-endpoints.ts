// The endpoints OPA agents call, one handler each; agent-router.ts routes to them and renders
// what they throw.
import { AppError, notFound } from "@/lib/core/errors";
import { jsonNestingExceeds, MAX_JSON_DEPTH } from "@/lib/core/json-depth";
import { isJsonContentType, readBodyBounded } from "@/lib/core/read-body";
import { json, parse } from "@/lib/http/with-api";
import type { AgentEndpoint } from "@/lib/agents/plane/agent-router";
import { authenticateAgent } from "@/lib/agents/authenticate-agent";
import { enqueueAgentStatus } from "@/lib/agents/record-agent-status";
import { issueAgentAccessToken } from "@/lib/agents/issue-agent-token";
import { ZStatusReport } from "@/lib/agents/schemas";
import { BUNDLE_NAME_PATTERN } from "@/lib/bundles/bundle-names";
import { serveBundle } from "@/lib/bundles/serve-bundle";
import { uploadDecisionLogs } from "@/lib/decisions/upload-decision-logs";

const MAX_STATUS_BYTES = 1024 * 1024;
const MAX_FORM_BYTES = 8 * 1024;

/** GET /api/opa/bundles/:name — the signed bundle (ETag, 304, long polling; from memory). */
export const getBundle: AgentEndpoint = async ({ req, params }) => {
  const name = typeof params.name === "string" ? params.name : "";
  if (!BUNDLE_NAME_PATTERN.test(name)) throw notFound("Bundle");
  const authorize = () => authenticateAgent(req.headers, { bundle: name });
  const principal = await authorize();
  return serveBundle(name, req.headers, {
    signal: req.signal,
    reauthorize: authorize,
    credentialId: principal.credentialId,
  });
};

/** POST /api/opa/status[/:partition] — an agent's status; stored asynchronously, answered at once. */
export const postStatus: AgentEndpoint = async ({ req }) => {
  const principal = await authenticateAgent(req.headers, { action: "status" });
  if (!isJsonContentType(req.headers.get("content-type")))
    throw new AppError("unsupported_media_type", "Send the status report as application/json");
  const bytes = await readBodyBounded(req, MAX_STATUS_BYTES);
  if (jsonNestingExceeds(bytes))
    throw new AppError("bad_request", `The status report nests JSON deeper than ${MAX_JSON_DEPTH} levels`);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch (cause) {
    throw new AppError("bad_request", "The status report is not valid JSON", { cause });
  }
  const report = parse(ZStatusReport, value, "body");
  enqueueAgentStatus(report, principal.credentialId);
  return new Response(null, { status: 204 });
};

/**
 * POST /api/opa/logs[/:partition] — a gzip batch of decision-log events; 200 only once stored.
 * Server-Timing says where the time went (authentication, reading, parsing, waiting for a writer, the write).
 */
export const postDecisionLogs: AgentEndpoint = async ({ req, requestId }) => {
  const started = performance.now();
  // Authenticate before reading a byte of the body: an unknown or out-of-scope caller stores nothing.
  const principal = await authenticateAgent(req.headers, { action: "logs" });
  const authMs = performance.now() - started;
  const { result, timing } = await uploadDecisionLogs(req, { credentialId: principal.credentialId }, requestId);
  const phases = {
    auth: authMs,
    read: timing.readMs,
    parse: timing.parseMs,
    queue: timing.queuedMs,
    write: timing.writeMs,
  };
  const serverTiming = Object.entries(phases)
    .map(([name, ms]) => `${name};dur=${ms.toFixed(1)}`)
    .join(", ");
  return json(result, { headers: { "server-timing": serverTiming } });
};

/** POST /api/opa/token — OAuth2 client credentials → a short-lived access token (JWT). */
export const postToken: AgentEndpoint = async ({ req }) => {
  const type = (req.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") {
    throw new AppError("unsupported_media_type", "Send the token request as application/x-www-form-urlencoded", {
      extra: { error: "invalid_request" },
    });
  }
  const form = new URLSearchParams((await readBodyBounded(req, MAX_FORM_BYTES)).toString("utf8"));
  const token = await issueAgentAccessToken({ authorization: req.headers.get("authorization"), form });
  return Response.json(token, { headers: { "cache-control": "no-store", pragma: "no-cache" } });
};
