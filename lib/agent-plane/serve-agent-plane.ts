// The agent plane: OPA agents' requests (/api/opa/*) answered straight from Node's HTTP server,
// ahead of the Next.js router (server.mjs asks it first). Agents are most of the traffic —
// bundle polls every few seconds from every sidecar, decision-log uploads — and the framework's
// request pipeline costs a few milliseconds of CPU per request, more than serving a 304 or
// storing a batch. The handlers are the same ones the app/api/opa route files export.
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { AppError } from "@/lib/http/errors";
import { logError, problemResponse, toAppError } from "@/lib/http/problem";
import { API_CONTENT_SECURITY_POLICY, SECURITY_HEADERS } from "@/lib/http/security-headers";
import { logger } from "@/lib/logger";
import { getBundle, postDecisionLogs, postStatus, postToken } from "@/lib/agent-plane/agent-endpoints";

type Params = Record<string, string | string[] | undefined>;
type Endpoint = (req: Request, route: { params: Promise<Params> }) => Promise<Response>;
type Route = { methods: Partial<Record<string, Endpoint>>; params: Params };

const BUNDLE_PATH = /^\/api\/opa\/bundles\/([^/]+)$/;
const PARTITIONED_PATH = /^\/api\/opa\/(status|logs)(?:\/(.+))?$/;
// Handlers see only the path; the origin is a placeholder, never the client's Host header.
const ORIGIN = "http://agent-plane.invalid";

const STATIC_HEADERS: Record<string, string> = Object.fromEntries([
  ...SECURITY_HEADERS.map((h) => [h.key.toLowerCase(), h.value]),
  ["content-security-policy", API_CONTENT_SECURITY_POLICY],
]);

/** Answers the request if it is an agent endpoint (true), or leaves it to Next.js (false). */
export function serveAgentPlane(req: IncomingMessage, res: ServerResponse): boolean {
  const url = req.url ?? "";
  if (!url.startsWith("/api/opa/")) return false;
  const query = url.indexOf("?");
  const route = routeOf(query === -1 ? url : url.slice(0, query));
  if (!route) return false;
  void respond(req, res, route);
  return true;
}

/** Makes server.mjs send agents' requests here (called once per process, from instrumentation.ts). */
export function registerAgentPlane(): void {
  (globalThis as typeof globalThis & { __verdictAgentPlane?: typeof serveAgentPlane }).__verdictAgentPlane = serveAgentPlane;
}

function routeOf(pathname: string): Route | null {
  if (pathname === "/api/opa/token") return { methods: { POST: postToken }, params: {} };
  const bundle = BUNDLE_PATH.exec(pathname);
  if (bundle) return { methods: { GET: getBundle, HEAD: getBundle }, params: { name: decodeSegment(bundle[1]!) } };
  const partitioned = PARTITIONED_PATH.exec(pathname);
  if (partitioned) {
    return { methods: { POST: partitioned[1] === "logs" ? postDecisionLogs : postStatus }, params: { partition: partitioned[2]?.split("/") } };
  }
  return null;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return ""; // not a bundle name: the endpoint answers 404
  }
}

async function respond(req: IncomingMessage, res: ServerResponse, route: Route): Promise<void> {
  const method = req.method ?? "GET";
  try {
    const endpoint = route.methods[method];
    const response = endpoint ? await endpoint(toRequest(req, res, method), { params: Promise.resolve(route.params) }) : notAllowed(method, route);
    await send(req, res, response, method === "HEAD");
  } catch (error) {
    const appError = toAppError(error);
    logError(logger.child({ method, path: req.url }), appError);
    if (!res.headersSent) await send(req, res, problemResponse(appError), false);
    else res.destroy();
  }
}

function toRequest(req: IncomingMessage, res: ServerResponse, method: string): Request {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  // A long poll stops waiting when the agent goes away.
  const gone = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) gone.abort();
  });
  const hasBody = method !== "GET" && method !== "HEAD";
  return new Request(ORIGIN + req.url, {
    method, headers, signal: gone.signal,
    ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: "half" } : {}),
  } as RequestInit);
}

function notAllowed(method: string, route: Route): Response {
  const allow = [...Object.keys(route.methods), "OPTIONS"].join(", ");
  if (method === "OPTIONS") return new Response(null, { status: 204, headers: { allow } });
  return problemResponse(new AppError("method_not_allowed", `${method} is not supported here; use ${Object.keys(route.methods).join(" or ")}`), undefined, { allow });
}

async function send(req: IncomingMessage, res: ServerResponse, response: Response, headOnly: boolean): Promise<void> {
  const body = response.body ? Buffer.from(await response.arrayBuffer()) : null;
  const headers: Record<string, string> = { ...STATIC_HEADERS };
  response.headers.forEach((value, key) => {
    headers[key] = value;
  });
  if (body && !headers["content-length"]) headers["content-length"] = String(body.length);
  // A body the handler refused part-way (too large, bad credentials) is not read to its end: the
  // connection cannot be reused.
  if (!req.complete) headers.connection = "close";
  res.writeHead(response.status, headers);
  res.end(headOnly ? undefined : body);
}
