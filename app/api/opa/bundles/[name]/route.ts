// GET /api/opa/bundles/:name — serve the signed bundle to OPA agents (ETag, 304, long polling; from memory)
import { notFound } from "@/lib/http/errors";
import { withAgentRoute } from "@/lib/http/with-agent-route";
import { authenticateAgent } from "@/lib/agents/authenticate-agent";
import { BUNDLE_NAME_PATTERN } from "@/lib/bundles/bundle-names";
import { serveBundle } from "@/lib/bundles/serve-bundle";

export const dynamic = "force-dynamic";

export const GET = withAgentRoute({ challenge: 'Bearer realm="verdict"' }, async ({ req, params }) => {
  const name = typeof params.name === "string" ? params.name : "";
  if (!BUNDLE_NAME_PATTERN.test(name)) throw notFound("Bundle");
  const authorize = () => authenticateAgent(req.headers, { bundle: name });
  await authorize();
  return serveBundle(name, req.headers, { signal: req.signal, reauthorize: authorize });
});
