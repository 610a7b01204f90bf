// The realistic fleet's load generator: one process (of several) playing thousands of OPA agents
// on one event loop, each as `opa run` behaves with the config Verdict generates: a bundle long
// poll (wait=30 s, each agent on its own keep-alive connections), a status report on every
// activation, after every poll and after every decision-log upload, and a gzip JSON array of
// its decisions (1/s on average) uploaded every 10 s. No timer per agent: one 100 ms tick starts
// the uploads that are due. Started by fleet-realistic.ts over IPC:
//   parent → {type:"start", ...GeneratorConfig} | {type:"stopDecisions"} | {type:"has", revision}
//            | {type:"report"} | {type:"stop"}
//   child  → {type:"ready"} (every agent has its first bundle) | {type:"drained"}
//            | {type:"has", revision, count} (agents that got it) | {type:"report", ...GeneratorReport}
import http from "node:http";
import { randomUUID } from "node:crypto";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { gunzipSync, gzipSync } from "node:zlib";
import { makeEvents } from "./decision-events";
import { agentRequest, bundleStatus, logsPost, parseServerTiming, statusPost, type AgentReply } from "./agent-http";
import { emptyGeneratorReport, type GeneratorConfig } from "./fleet-generator-protocol";

const GO_ZERO_TIME = "0001-01-01T00:00:00Z";
const TICK_MS = 100;
const templates = makeEvents(200);
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const backoff = (n: number) => Math.min(2000, 100 * 1.6 ** n) * (0.8 + Math.random() * 0.4);

const report = emptyGeneratorReport();
const revisionByEtag = new Map<string, string>();
let config: GeneratorConfig;
let running = true;
let deciding = true;
const agents: Agent[] = [];

class Agent {
  readonly pool = new http.Agent({ keepAlive: true, maxSockets: 2 });
  readonly id = randomUUID();
  readonly labels: Record<string, string>;
  etag: string | undefined;
  revision = "";
  activated = false;
  lastRequest = GO_ZERO_TIME;
  lastActivation = GO_ZERO_TIME;
  owed = Math.random();
  lastDecisionAt = now();
  nextUploadAt: number;
  unsent: Array<Record<string, unknown>> = [];
  uploading = false;
  statusPending = false;
  statusRunning = false;

  constructor(
    readonly baseUrl: string,
    readonly instance: string,
  ) {
    this.labels = { id: this.id, version: "1.22.2", instance };
    this.nextUploadAt = now() + Math.random() * config.uploadEverySeconds * 1000;
  }

  request(method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<AgentReply> {
    return agentRequest({
      url: `${this.baseUrl}${path}`,
      method,
      headers,
      body,
      pool: this.pool,
      token: config.token,
      counters: report,
      running: () => running,
    });
  }

  async poll(): Promise<void> {
    let failures = 0;
    while (running) {
      const headers: Record<string, string> = {
        prefer: this.etag ? `modes=snapshot,delta;wait=${config.longPollSeconds}` : "modes=snapshot,delta",
      };
      if (this.etag) headers["if-none-match"] = this.etag;
      this.lastRequest = new Date().toISOString();
      try {
        const reply = await this.request("GET", `/api/opa/bundles/${config.bundle}`, headers);
        if (reply.status === 200 && reply.etag) {
          const at = now();
          this.etag = reply.etag;
          this.revision = revisionOf(reply.etag, reply.body);
          this.lastActivation = new Date().toISOString();
          (report.receipts[this.revision] ??= []).push(at);
          if (!this.activated) {
            this.activated = true;
            activatedCount += 1;
            if (activatedCount === agents.length) process.send?.({ type: "ready" });
          }
          failures = 0;
        } else if (reply.status === 304) {
          failures = 0;
        } else {
          report.otherErrors += 1;
          await sleep(backoff(failures++));
        }
        if (config.mode === "full") this.reportStatus();
      } catch {
        if (running) await sleep(backoff(failures++));
      }
    }
  }

  /** The decisions made since the last upload (1/s on average), as OPA would have logged them. */
  decide(until: number): void {
    this.owed += ((until - this.lastDecisionAt) / 1000) * config.decisionsPerSecond;
    const from = this.lastDecisionAt;
    this.lastDecisionAt = until;
    const n = Math.floor(this.owed);
    this.owed -= n;
    for (let i = 0; i < n; i++) {
      const template = templates[(report.decisionsGenerated + i) % templates.length]!;
      this.unsent.push({
        ...template,
        labels: this.labels,
        decision_id: randomUUID(),
        timestamp: new Date(from + ((i + 1) * (until - from)) / (n + 1)).toISOString(),
        bundles: { [config.bundle]: { revision: this.revision } },
      });
    }
    report.decisionsGenerated += n;
  }

  async upload(): Promise<void> {
    this.uploading = true;
    try {
      if (deciding) this.decide(now());
      if (this.unsent.length === 0) return;
      // Taken out while in flight: decisions made meanwhile (the final flush) go in the next upload.
      const events = this.unsent;
      this.unsent = [];
      const started = now();
      // Once the load stops every agent flushes what it holds at the same instant, which no fleet
      // does: those uploads count for "every decision stored", not for the latencies.
      const measured = deciding;
      try {
        const reply = await this.request(...logsPost(gzipSync(JSON.stringify(events))));
        if (reply.status !== 200) throw new Error(`upload answered ${reply.status}`);
        if (measured) {
          report.uploadMs.push(now() - started);
          report.uploads.push({ at: started, phases: parseServerTiming(reply.serverTiming) });
        }
        report.decisionsAcknowledged += events.length;
      } catch {
        report.otherErrors += 1;
        this.unsent = events.concat(this.unsent); // OPA requeues a failed chunk
      }
      this.reportStatus();
    } finally {
      this.uploading = false;
      // OPA waits a uniformly random delay between min_delay_seconds and max_delay_seconds after each upload; here ½× to 1½× the mean.
      this.nextUploadAt = now() + (deciding ? (0.5 + Math.random()) * config.uploadEverySeconds * 1000 : 500);
    }
  }

  /** OPA's status plugin keeps one pending snapshot and sends it when the previous POST ends. */
  reportStatus(): void {
    this.statusPending = true;
    if (this.statusRunning) return;
    this.statusRunning = true;
    void (async () => {
      while (this.statusPending && running) {
        this.statusPending = false;
        const started = now();
        const measured = deciding;
        try {
          const reply = await this.request(...statusPost(this.statusDocument()));
          if (reply.status >= 300) report.otherErrors += 1;
          else if (measured) report.statusMs.push(now() - started);
        } catch {
          // OPA only logs a failed status POST
        }
      }
      this.statusRunning = false;
    })();
  }

  statusDocument() {
    return {
      labels: this.labels,
      bundles: {
        [config.bundle]: bundleStatus({
          name: config.bundle,
          revision: this.revision,
          lastRequest: this.lastRequest,
          lastActivation: this.lastActivation,
          metrics: { timer_bundle_request_ns: 1_200_000, timer_rego_load_bundles_ns: 1_500_000 },
        }),
      },
      plugins: { bundle: { state: "OK" }, decision_logs: { state: "OK" }, status: { state: "OK" } },
      decision_logs: { code: "", message: "" },
      metrics: { prometheus: {} },
    };
  }
}

let activatedCount = 0;

/** The manifest revision of a bundle tarball (read once per ETag): what OPA puts in each decision. */
function revisionOf(etag: string, gz: Buffer): string {
  let revision = revisionByEtag.get(etag);
  if (revision !== undefined) return revision;
  const tar = gunzipSync(gz);
  revision = "";
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const name = tar
      .subarray(offset, offset + 100)
      .toString("utf8")
      .replace(/\0.*$/s, "");
    if (!name) break;
    const size = Number.parseInt(
      tar
        .subarray(offset + 124, offset + 136)
        .toString("utf8")
        .trim() || "0",
      8,
    );
    if (name === ".manifest" || name.endsWith("/.manifest")) {
      revision = String(JSON.parse(tar.subarray(offset + 512, offset + 512 + size).toString("utf8")).revision ?? "");
      break;
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  revisionByEtag.set(etag, revision);
  return revision;
}

function tick(): void {
  if (!running || config.mode !== "full") return;
  const t = now();
  for (const agent of agents) if (agent.activated && !agent.uploading && agent.nextUploadAt <= t) void agent.upload();
}

// How late this process's own event loop ran: a generator that falls behind adds its delay to every latency it measures.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });

async function start(c: GeneratorConfig): Promise<void> {
  config = c;
  loopDelay.enable();
  for (let i = 0; i < c.count; i++)
    agents.push(new Agent(c.baseUrls[(c.first + i) % c.baseUrls.length]!, `${c.tag}-${c.first + i}`));
  setInterval(tick, TICK_MS).unref();
  const batch = Math.max(1, Math.ceil(c.count / Math.max(1, c.rampMs / 50)));
  for (let i = 0; i < agents.length; i += batch) {
    for (const agent of agents.slice(i, i + batch)) void agent.poll();
    await sleep(50);
  }
}

/** Stops deciding; resolves once every agent's decisions are acknowledged (uploads go on every 0.5 s until then). */
async function stopDecisions(): Promise<void> {
  deciding = false;
  const t = now();
  for (const agent of agents) {
    agent.decide(t);
    if (!agent.uploading) agent.nextUploadAt = t;
  }
  while (running && report.decisionsAcknowledged < report.decisionsGenerated) await sleep(100);
  if (running) process.send?.({ type: "drained" });
}

process.on("message", (message: { type: string } & Partial<GeneratorConfig>) => {
  if (message.type === "start") void start(message as GeneratorConfig);
  else if (message.type === "stopDecisions") void stopDecisions();
  else if (message.type === "report")
    process.send?.({ type: "report", ...report, eventLoopDelayP99Ms: loopDelay.percentile(99) / 1e6 });
  else if (message.type === "has") {
    const revision = (message as { revision?: string }).revision ?? "";
    process.send?.({ type: "has", revision, count: report.receipts[revision]?.length ?? 0 });
  } else if (message.type === "stop") {
    running = false;
    for (const agent of agents) agent.pool.destroy();
    setTimeout(() => process.exit(0), 100);
  }
});
process.on("disconnect", () => process.exit(0));
