import { randomUUID } from "node:crypto";
import { logError, problemResponse, toAppError } from "@/lib/http/problem";
import { logger } from "@/lib/logger";

type RouteContext = { params: Promise<Record<string, string | string[] | undefined>> };

/** What agent endpoints read of a request: a Fetch Request (Next.js routes), or the agent plane's lighter equivalent. */
export type AgentRequest = Pick<Request, "method" | "url" | "headers" | "body" | "signal">;

export type AgentRouteContext = { req: AgentRequest; params: Record<string, string | string[] | undefined>; requestId: string };

/**
 * The wrapper for endpoints OPA agents call (/api/opa/*). Unlike withApi there is no session and
 * no permission: each handler authenticates the agent with authenticateAgent(). Kept to a few
 * allocations, because bundle polling is the hot path.
 */
export function withAgentRoute(
  options: { challenge: string },
  handler: (ctx: AgentRouteContext) => Promise<Response>,
) {
  return async (req: AgentRequest, route: RouteContext): Promise<Response> => {
    const requestId = incomingRequestId(req.headers) ?? randomUUID();
    let response: Response;
    try {
      response = await handler({ req, params: await route.params, requestId });
    } catch (error) {
      const appError = toAppError(error);
      logError(logger.child({ requestId, method: req.method, path: new URL(req.url).pathname }), appError);
      const headers: HeadersInit = appError.status === 401 ? { "www-authenticate": options.challenge } : {};
      response = problemResponse(appError, requestId, headers);
    }
    return withoutCompression(response);
  };
}

// The framework gzips responses on the fly, at a few hundred microseconds per response for a zlib
// stream. Agents get either a bundle (already gzip) or a few bytes of JSON, so they are told
// "no-transform", which the compressor honours.
function withoutCompression(response: Response): Response {
  const cacheControl = response.headers.get("cache-control");
  if (!cacheControl) response.headers.set("cache-control", "no-store, no-transform");
  else if (!/no-transform/.test(cacheControl)) response.headers.set("cache-control", `${cacheControl}, no-transform`);
  return response;
}

function incomingRequestId(headers: Headers): string | null {
  const id = headers.get("x-request-id");
  return id && /^[A-Za-z0-9._-]{8,64}$/.test(id) ? id : null;
}
