// The one routing table for /api/opa/*. Both servers use it: the agent plane in front of Next.js
// (serve-agent-plane.ts, under server.mjs) and the app/api/opa catch-all route (when Next.js serves
// the request itself: `next dev`, or `next start` without server.mjs). Errors are turned into
// problem documents here, and only here.
import { randomUUID } from "node:crypto";
import { AppError } from "@/lib/core/errors";
import { logger } from "@/lib/core/logger";
import { logError, problemResponse, toAppError } from "@/lib/http/problem";
import { getBundle, postDecisionLogs, postStatus, postToken } from "@/lib/agents/plane/agent-endpoints";

type Params = Record<string, string | string[] | undefined>;

/** What agent endpoints read of a request: a Fetch Request (Next.js routes), or the agent plane's lighter equivalent. */
export type AgentRequest = Pick<Request, "method" | "url" | "headers" | "body" | "signal">;

export type AgentRouteContext = { req: AgentRequest; params: Params; requestId: string };

export type AgentEndpoint = (ctx: AgentRouteContext) => Promise<Response>;

/** An agent path's endpoints by method, its path parameters, and the challenge a 401 carries. */
export type AgentRoute = { methods: Partial<Record<string, AgentEndpoint>>; params: Params; challenge: string };

const BEARER = 'Bearer realm="verdict"';
const BUNDLE_PATH = /^\/api\/opa\/bundles\/([^/]+)$/;
const PARTITIONED_PATH = /^\/api\/opa\/(status|logs)(?:\/(.+))?$/;

/** The route for a path, or null when no agent endpoint lives there. */
export function agentRouteOf(pathname: string): AgentRoute | null {
  if (pathname === "/api/opa/token")
    return { methods: { POST: postToken }, params: {}, challenge: 'Basic realm="verdict"' };
  const bundle = BUNDLE_PATH.exec(pathname);
  if (bundle)
    return {
      methods: { GET: getBundle, HEAD: getBundle },
      params: { name: decodeSegment(bundle[1]!) },
      challenge: BEARER,
    };
  const partitioned = PARTITIONED_PATH.exec(pathname);
  if (partitioned) {
    return {
      methods: { POST: partitioned[1] === "logs" ? postDecisionLogs : postStatus },
      params: { partition: partitioned[2]?.split("/") },
      challenge: BEARER,
    };
  }
  return null;
}

/**
 * Answers an agent's request on its route: the endpoint's response, or a problem document for
 * whatever it threw (401s with the route's challenge). Kept to a few allocations, because bundle
 * polling is the hot path.
 */
export async function answerAgentRequest(
  req: AgentRequest,
  pathname: string,
  route = agentRouteOf(pathname),
): Promise<Response> {
  const requestId = incomingRequestId(req.headers) ?? randomUUID();
  let response: Response;
  try {
    if (!route) throw new AppError("not_found", `No agent endpoint at ${pathname}`);
    const endpoint = route.methods[req.method];
    response = endpoint ? await endpoint({ req, params: route.params, requestId }) : notAllowed(req.method, route);
  } catch (error) {
    const appError = toAppError(error);
    logError(logger.child({ requestId, method: req.method, path: pathname }), appError);
    const headers: HeadersInit = appError.status === 401 && route ? { "www-authenticate": route.challenge } : {};
    response = problemResponse(appError, requestId, headers);
  }
  return withoutCompression(response);
}

function notAllowed(method: string, route: AgentRoute): Response {
  const allow = [...Object.keys(route.methods), "OPTIONS"].join(", ");
  if (method === "OPTIONS") return new Response(null, { status: 204, headers: { allow } });
  const error = new AppError(
    "method_not_allowed",
    `${method} is not supported here; use ${Object.keys(route.methods).join(" or ")}`,
  );
  return problemResponse(error, undefined, { allow });
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return ""; // not a bundle name: the endpoint answers 404
  }
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
