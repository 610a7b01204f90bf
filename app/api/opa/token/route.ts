// POST /api/opa/token — OAuth2 client credentials for OPA agents → short-lived access token (JWT)
import { AppError } from "@/lib/http/errors";
import { readBodyBounded } from "@/lib/http/read-body";
import { withAgentRoute } from "@/lib/http/with-agent-route";
import { issueAgentAccessToken } from "@/lib/agents/issue-agent-token";

export const dynamic = "force-dynamic";

const MAX_FORM_BYTES = 8 * 1024;

export const POST = withAgentRoute({ challenge: 'Basic realm="verdict"' }, async ({ req }) => {
  const type = (req.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") {
    throw new AppError("unsupported_media_type", "Send the token request as application/x-www-form-urlencoded", { extra: { error: "invalid_request" } });
  }
  const form = new URLSearchParams((await readBodyBounded(req, MAX_FORM_BYTES)).toString("utf8"));
  const token = await issueAgentAccessToken({ authorization: req.headers.get("authorization"), form });
  return Response.json(token, { headers: { "cache-control": "no-store", pragma: "no-cache" } });
});
