// One HTTP request as an OPA agent sends it, for the fleet simulations (fleet-agent.ts in the
// bench process, fleet-generator.ts in the load-generator processes): its own keep-alive pool,
// OPA's User-Agent, the bearer credential, and Go's retry of a reused connection.
import http from "node:http";

export const USER_AGENT = "Open Policy Agent/1.22.2 (linux, amd64)";

export type AgentReply = { status: number; etag: string | undefined; serverTiming?: string; body: Buffer };
export type AgentHttpCounters = { requests: number; serverErrors: number; networkErrors: number };

export type AgentRequest = {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: Buffer;
  pool: http.Agent;
  token: string;
  counters: AgentHttpCounters;
  signal?: AbortSignal;
  /** False once the simulation stops: errors then are not counted. */
  running: () => boolean;
};

/**
 * A kept-alive socket the server closed just as it was reused fails with ECONNRESET; Go's
 * transport (and so OPA) retries such a request once on a new connection, and so does this.
 */
export async function agentRequest(r: AgentRequest): Promise<AgentReply> {
  try {
    return await send(r);
  } catch (error) {
    if (!(error as { reusedSocket?: boolean }).reusedSocket || !r.running()) throw error;
    return send(r);
  }
}

function send(r: AgentRequest): Promise<AgentReply> {
  const c = r.counters;
  c.requests += 1;
  return new Promise((resolve, reject) => {
    const req = http.request(
      r.url,
      {
        method: r.method,
        agent: r.pool,
        signal: r.signal,
        headers: {
          "user-agent": USER_AGENT,
          authorization: `Bearer ${r.token}`,
          ...r.headers,
          ...(r.body ? { "content-length": String(r.body.length) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          if ((res.statusCode ?? 0) >= 500) c.serverErrors += 1;
          resolve({
            status: res.statusCode ?? 0,
            etag: res.headers.etag,
            serverTiming: res.headers["server-timing"] as string | undefined,
            body: Buffer.concat(chunks),
          });
        });
        res.on("error", reject);
      },
    );
    req.on("error", (error: NodeJS.ErrnoException) => {
      if (req.reusedSocket && error.code === "ECONNRESET") return reject(Object.assign(error, { reusedSocket: true }));
      if (r.running()) c.networkErrors += 1;
      reject(error);
    });
    req.end(r.body);
  });
}

/** The status report an OPA agent POSTs, as `request(...)` arguments. */
export function statusPost(document: unknown): [string, string, Record<string, string>, Buffer] {
  return ["POST", "/api/opa/status", { "content-type": "application/json" }, Buffer.from(JSON.stringify(document))];
}

/** A gzip decision-log upload, as `request(...)` arguments. */
export function logsPost(gzippedEvents: Buffer): [string, string, Record<string, string>, Buffer] {
  return ["POST", "/api/opa/logs", { "content-type": "application/json", "content-encoding": "gzip" }, gzippedEvents];
}

/** One bundle's entry in an OPA status report. */
export function bundleStatus(b: {
  name: string;
  revision: string;
  lastRequest: string;
  lastActivation: string;
  metrics: Record<string, number>;
}) {
  return {
    name: b.name,
    active_revision: b.revision,
    type: "snapshot",
    size: 2048,
    last_request: b.lastRequest,
    last_successful_request: b.lastRequest,
    last_successful_download: b.lastActivation,
    last_successful_activation: b.lastActivation,
    metrics: b.metrics,
  };
}

/** `auth;dur=1.2, write;dur=30` → { auth: 1.2, write: 30 }. */
export function parseServerTiming(header: string | undefined): Record<string, number> {
  const phases: Record<string, number> = {};
  for (const part of (header ?? "").split(",")) {
    const [name, ...params] = part.trim().split(";");
    const dur = params.find((p) => p.trim().startsWith("dur="));
    if (name && dur) phases[name] = Number(dur.trim().slice(4));
  }
  return phases;
}
