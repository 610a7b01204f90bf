// One simulated OPA agent for the fleet benchmark: the bundle long poll, status reports and
// decision-log uploads that `opa run` sends (docs/opa-protocol.md §1, §4, §5), over its own keep-alive
// connection pool as a separate OPA process would have.
import http from "node:http";
import { randomUUID } from "node:crypto";
import { gzipSync } from "node:zlib";
import { PER_BATCH, UPLOAD_LIMIT_BYTES } from "./decision-events";
import { agentRequest, bundleStatus, logsPost, statusPost, type AgentReply } from "./agent-http";

export type FleetCounters = {
  requests: number;
  serverErrors: number;
  networkErrors: number;
  decisionsGenerated: number;
  decisionsAcknowledged: number;
  /** Plain request latencies (ms): first full GET (200), status POST (204), log upload (200). */
  fullGetMs: number[];
  statusMs: number[];
  uploadMs: number[];
  /** How long after `wait` a long poll that saw no publish took to get its 304 (ms). */
  timeout304OvershootMs: number[];
};

export function newCounters(): FleetCounters {
  return {
    requests: 0,
    serverErrors: 0,
    networkErrors: 0,
    decisionsGenerated: 0,
    decisionsAcknowledged: 0,
    fullGetMs: [],
    statusMs: [],
    uploadMs: [],
    timeout304OvershootMs: [],
  };
}

export type SimulatedAgentOptions = {
  baseUrl: string;
  bundle: string;
  token: string;
  instance: string;
  longPollSeconds: number;
  decisionsPerSecond: number;
  templates: Array<Record<string, unknown>>;
  counters: FleetCounters;
  /** Called when a 200 delivers a bundle: the ETag and the time it arrived (performance.now()). */
  onBundle: (etag: string, at: number) => void;
  /** The manifest revision behind an ETag (what OPA writes into each decision's `bundles`). */
  revisionOf: (etag: string) => string;
};

type Reply = AgentReply;

const GO_ZERO_TIME = "0001-01-01T00:00:00Z";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// OPA's retry delay after a failed request: 100 ms · 1.6^n ± 20 %, capped at max_delay.
const backoff = (n: number, capMs: number) => Math.min(capMs, 100 * 1.6 ** n) * (0.8 + Math.random() * 0.4);

export class SimulatedAgent {
  private readonly pool = new http.Agent({ keepAlive: true, maxSockets: 4 });
  private readonly abort = new AbortController();
  private readonly id = randomUUID();
  private etag: string | undefined;
  private activeRevision = "";
  private lastRequest = GO_ZERO_TIME;
  private lastActivation = GO_ZERO_TIME;
  private buffer: Array<Record<string, unknown>> = [];
  private generating = true;
  private statusPending = false;
  private statusLoop: Promise<void> | null = null;
  private readonly loops: Promise<void>[] = [];

  constructor(private readonly o: SimulatedAgentOptions) {}

  start(): void {
    this.loops.push(this.pollBundles(), this.generateDecisions(), this.uploadDecisions());
  }

  /** Stops making decisions; the upload loop sends what is buffered and then ends. */
  stopDecisions(): void {
    this.generating = false;
  }

  get bufferedDecisions(): number {
    return this.buffer.length;
  }

  async stop(): Promise<void> {
    this.generating = false;
    this.abort.abort();
    await Promise.allSettled([...this.loops, this.statusLoop]);
    this.pool.destroy();
  }

  private get running(): boolean {
    return !this.abort.signal.aborted;
  }

  private request(method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<Reply> {
    return agentRequest({
      url: `${this.o.baseUrl}${path}`,
      method,
      headers,
      body,
      pool: this.pool,
      token: this.o.token,
      counters: this.o.counters,
      signal: this.abort.signal,
      running: () => this.running,
    });
  }

  /** OPA's long-poll loop: the next request goes out as soon as the previous one is answered. */
  private async pollBundles(): Promise<void> {
    let failures = 0;
    let longPolling = false;
    while (this.running) {
      const headers: Record<string, string> = {
        prefer: longPolling ? `modes=snapshot,delta;wait=${this.o.longPollSeconds}` : "modes=snapshot,delta",
      };
      if (this.etag) headers["if-none-match"] = this.etag;
      const started = performance.now();
      this.lastRequest = new Date().toISOString();
      try {
        const reply = await this.request("GET", `/api/opa/bundles/${this.o.bundle}`, headers);
        const at = performance.now();
        if (reply.status === 200 && reply.etag) {
          if (!longPolling) this.o.counters.fullGetMs.push(at - started);
          this.etag = reply.etag;
          this.activeRevision = this.o.revisionOf(reply.etag);
          this.lastActivation = new Date().toISOString();
          this.o.onBundle(reply.etag, at);
          longPolling = true;
          failures = 0;
        } else if (reply.status === 304) {
          if (longPolling) this.o.counters.timeout304OvershootMs.push(at - started - this.o.longPollSeconds * 1000);
          this.etag = reply.etag ?? this.etag;
          failures = 0;
        } else {
          await sleep(backoff(failures++, 2000));
        }
        this.reportStatus();
      } catch {
        if (this.running) await sleep(backoff(failures++, 2000));
      }
    }
  }

  private async generateDecisions(): Promise<void> {
    const labels = { id: this.id, version: "1.22.2", instance: this.o.instance };
    const tickMs = 100;
    let owed = Math.random();
    while (this.generating && this.running) {
      await sleep(tickMs);
      if (!this.generating) break;
      owed += (this.o.decisionsPerSecond * tickMs) / 1000;
      for (; owed >= 1; owed -= 1) {
        const template =
          this.o.templates[(this.o.counters.decisionsGenerated + this.buffer.length) % this.o.templates.length]!;
        this.buffer.push({
          ...template,
          labels,
          decision_id: randomUUID(),
          timestamp: new Date().toISOString(),
          bundles: { [this.o.bundle]: { revision: this.activeRevision } },
        });
        this.o.counters.decisionsGenerated += 1;
      }
    }
  }

  /**
   * OPA's periodic upload: every min..max delay (1–2 s here), the buffer is sent as gzip chunks of
   * at most upload_size_limit_bytes, one POST after another; a failed chunk is requeued.
   */
  private async uploadDecisions(): Promise<void> {
    let failures = 0;
    while (this.running && (this.generating || this.buffer.length > 0)) {
      await sleep(failures > 0 ? backoff(failures, 2000) : this.generating ? 1000 + Math.random() * 1000 : 100);
      while (this.buffer.length > 0 && this.running) {
        const events = this.buffer.splice(0, PER_BATCH);
        const bodies = chunk(events);
        try {
          for (const { body, count } of bodies) {
            const started = performance.now();
            const reply = await this.request(...logsPost(body));
            if (reply.status !== 200) throw new Error(`upload answered ${reply.status}`);
            this.o.counters.uploadMs.push(performance.now() - started);
            this.o.counters.decisionsAcknowledged += count;
            events.splice(0, count);
          }
          failures = 0;
        } catch {
          this.buffer.unshift(...events);
          failures += 1;
          break;
        }
      }
      this.reportStatus();
    }
  }

  /** OPA's status plugin keeps one pending snapshot and sends it as soon as the previous POST ends. */
  private reportStatus(): void {
    this.statusPending = true;
    this.statusLoop ??= (async () => {
      while (this.statusPending && this.running) {
        this.statusPending = false;
        const started = performance.now();
        try {
          const reply = await this.request(...statusPost(this.statusDocument()));
          if (reply.status < 300) this.o.counters.statusMs.push(performance.now() - started);
        } catch {
          // OPA only logs a failed status POST
        }
      }
      this.statusLoop = null;
    })();
  }

  private statusDocument() {
    const timer = {
      timer_bundle_request_ns: 1_200_000,
      timer_rego_data_parse_ns: 30_000,
      timer_rego_module_parse_ns: 400_000,
      timer_rego_module_compile_ns: 900_000,
      timer_rego_load_bundles_ns: 1_500_000,
    };
    return {
      labels: { id: this.id, version: "1.22.2", instance: this.o.instance },
      bundles: {
        [this.o.bundle]: bundleStatus({
          name: this.o.bundle,
          revision: this.activeRevision,
          lastRequest: this.lastRequest,
          lastActivation: this.lastActivation,
          metrics: timer,
        }),
      },
      plugins: { bundle: { state: "OK" }, decision_logs: { state: "OK" }, status: { state: "OK" } },
      metrics: { prometheus: {} },
    };
  }
}

/** gzip chunks no bigger than OPA's upload limit (halving a chunk until it fits). */
function chunk(events: Array<Record<string, unknown>>): Array<{ body: Buffer; count: number }> {
  const body = gzipSync(JSON.stringify(events));
  if (body.length <= UPLOAD_LIMIT_BYTES || events.length === 1) return [{ body, count: events.length }];
  const half = Math.ceil(events.length / 2);
  return [...chunk(events.slice(0, half)), ...chunk(events.slice(half))];
}
