// The agent plane: OPA agents' requests (/api/opa/*) answered straight from Node's HTTP server,
// ahead of the Next.js router (server.mjs asks it first). Agents are most of the traffic —
// bundle polls every few seconds from every sidecar, decision-log uploads — and the framework's
// request pipeline costs a few milliseconds of CPU per request, more than serving a 304 or
// storing a batch. Routing and handlers are agent-router.ts's, shared with the app/api/opa route.
import type { IncomingMessage, ServerResponse } from "node:http";
import { agentRouteOf, answerAgentRequest, type AgentRequest, type AgentRoute } from "@/lib/agents/plane/agent-router";
import { serveBundleRequest, STATIC_HEADERS } from "@/lib/agents/plane/serve-bundle-request";

// Handlers see only the path; the origin is a placeholder, never the client's Host header.
const ORIGIN = "http://agent-plane.invalid";

// What is read and thrown away of a body the handler did not want (refused before or part-way
// through), so that the agent still reads the answer and the connection stays usable; past it,
// the connection is dropped.
const DISCARD_LIMIT_BYTES = 32 * 1024 * 1024;

// POSTs are not held: their handlers never look at the signal.
const NEVER_ABORTED = new AbortController().signal;

/** Answers the request if it is an agent endpoint (true), or leaves it to Next.js (false). */
export function serveAgentPlane(req: IncomingMessage, res: ServerResponse): boolean {
  const url = req.url ?? "";
  if (!url.startsWith("/api/opa/")) return false;
  const query = url.indexOf("?");
  const pathname = query === -1 ? url : url.slice(0, query);
  const route = agentRouteOf(pathname);
  if (!route) return false;
  const name = route.params.name;
  if (typeof name === "string" && (req.method === "GET" || req.method === "HEAD"))
    serveBundleRequest(req, res, name, answerGenerally);
  else void respond(req, res, pathname, route);
  return true;
}

/** The general path for a request the bundle fast path handed back (a problem to render). */
function answerGenerally(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? "";
  const query = url.indexOf("?");
  const pathname = query === -1 ? url : url.slice(0, query);
  void respond(req, res, pathname, agentRouteOf(pathname));
}

async function respond(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  route: AgentRoute | null,
): Promise<void> {
  const method = req.method ?? "GET";
  const body = method === "GET" || method === "HEAD" ? null : new RequestBody(req);
  try {
    await send(res, await answerAgentRequest(toRequest(req, res, method, body), pathname, route), method === "HEAD");
  } catch {
    res.destroy(); // the socket failed while the answer was written: nothing left to tell the agent
  } finally {
    body?.discardRest();
  }
}

/** What the handlers read of a request, without constructing a Fetch Request (the costlier part of a 304). */
function toRequest(req: IncomingMessage, res: ServerResponse, method: string, body: RequestBody | null): AgentRequest {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  if (body) return { method, url: ORIGIN + req.url, headers, signal: NEVER_ABORTED, body: body.stream };
  // A long poll stops waiting when the agent goes away.
  const gone = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) gone.abort();
  });
  return { method, url: ORIGIN + req.url, headers, signal: gone.signal, body: null };
}

/**
 * The request body as a web stream, read only as the handler pulls it. Unlike Readable.toWeb,
 * a handler that stops reading (a body over its limit) leaves the request intact, so that the
 * rest can be discarded and the agent still gets the 413.
 */
class RequestBody {
  readonly stream: ReadableStream<Uint8Array<ArrayBuffer>>;
  private done = false;

  constructor(private readonly req: IncomingMessage) {
    this.stream = new ReadableStream<Uint8Array<ArrayBuffer>>({
      start: (controller) => {
        req.on("data", (chunk: Buffer) => {
          if (this.done) return;
          controller.enqueue(chunk as Buffer<ArrayBuffer>); // request chunks never share memory
          if ((controller.desiredSize ?? 0) <= 0) req.pause();
        });
        req.once("end", () => {
          if (!this.done) controller.close();
        });
        req.once("error", (error) => {
          if (!this.done) controller.error(error);
        });
        req.pause();
      },
      pull: () => {
        req.resume();
      },
      cancel: () => {
        this.done = true;
      },
    });
  }

  /** Once the answer is sent: reads and drops what is left, up to a limit. */
  discardRest(): void {
    this.done = true;
    if (this.req.complete) return;
    let left = DISCARD_LIMIT_BYTES;
    this.req.on("data", (chunk: Buffer) => {
      left -= chunk.length;
      if (left < 0) this.req.destroy();
    });
    this.req.resume();
  }
}

async function send(res: ServerResponse, response: Response, headOnly: boolean): Promise<void> {
  const body = response.body ? Buffer.from(await response.arrayBuffer()) : null;
  const headers: Record<string, string> = { ...STATIC_HEADERS };
  response.headers.forEach((value, key) => {
    headers[key] = value;
  });
  if (body && !headers["content-length"]) headers["content-length"] = String(body.length);
  res.writeHead(response.status, headers);
  res.end(headOnly ? undefined : body);
}
