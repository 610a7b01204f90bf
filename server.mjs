// The Verdict server (what `npm start` runs): Next.js behind Node's HTTP server, with OPA agents'
// endpoints (/api/opa/*) answered by the agent plane before the Next.js router sees them
// (lib/agents/plane/serve-agent-plane.ts; instrumentation.ts registers it). Until it is
// registered, and under any other server, the app/api/opa routes answer the same requests.
// VERDICT_WORKERS=N runs N such servers in one instance, sharing the port (node:cluster): each is
// single-threaded, so on a machine with cores to spare it is how one instance uses them.
//   node server.mjs [--dev] [-p PORT] [-H HOSTNAME]
import cluster from "node:cluster";
import { createServer } from "node:http";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    dev: { type: "boolean", default: false },
    port: { type: "string", short: "p" },
    hostname: { type: "string", short: "H" },
  },
});
const dev = args.dev;
const port = Number(args.port ?? process.env.PORT ?? 3000);
const hostname = args.hostname ?? "localhost";
process.env.NODE_ENV ??= dev ? "development" : "production";
const workers = dev ? 1 : Math.max(1, Number(process.env.VERDICT_WORKERS ?? 1) || 1);
const keepAliveSeconds = Math.max(1, Number(process.env.VERDICT_KEEP_ALIVE_SECONDS ?? 95) || 95);
const listenBacklog = Math.max(1, Number(process.env.VERDICT_LISTEN_BACKLOG ?? 4096) || 4096);

if (workers > 1 && cluster.isPrimary) {
  superviseWorkers(workers);
} else {
  await serve();
}

/** The primary of a multi-process instance: keeps `count` servers running, stops them together. */
function superviseWorkers(count) {
  let stopping = false;
  for (let i = 0; i < count; i++) cluster.fork();
  cluster.on("exit", (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    console.error(`verdict: server process ${worker.process.pid} exited (${signal ?? code}); starting another`);
    cluster.fork();
  });
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.once(signal, () => {
      stopping = true;
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGTERM");
      setTimeout(() => process.exit(0), 3000).unref();
    });
  }
}

async function serve() {
  const { default: next } = await import("next");
  const app = next({ dev, hostname, port });
  await app.prepare();
  const handle = app.getRequestHandler();

  const server = createServer((req, res) => {
    if (globalThis.__verdictAgentPlane?.(req, res)) return;
    void handle(req, res);
  });
  if (dev) server.on("upgrade", app.getUpgradeHandler());
  // OPA (Go's HTTP client) keeps an idle connection for 90 s and sends a status report or a
  // decision-log batch every few seconds: Node's default of 5 s would close it between two of them,
  // so every upload of every agent would open a new connection. Outlive the client's 90 s instead
  // (the client then closes first, never racing a request against our close).
  server.keepAliveTimeout = keepAliveSeconds * 1000;
  server.headersTimeout = (keepAliveSeconds + 5) * 1000;
  // The one failure a person can cause here; say it in one line (npm start checks the port first).
  // Once listening, an error is the accept loop's (EMFILE: out of file descriptors, with a fleet of
  // agents each holding connections): logged, and the server goes on serving the ones it holds.
  server.on("error", (error) => {
    if (server.listening) {
      console.error(`verdict: accepting a connection failed: ${error.code ?? error.message}`);
      return;
    }
    const reason = error.code === "EADDRINUSE" ? `port ${port} is already in use` : error.message;
    console.error(`verdict: cannot start: ${reason}; stop what is using it, or set PORT to a free port`);
    process.exit(1);
  });
  // A publish wakes every agent at once; Node's default accept queue (511) overflows under a fleet,
  // and the kernel then drops SYNs that the clients only retry after 1 s, 3 s, 7 s. The kernel caps
  // this at net.core.somaxconn.
  server.listen({ port, host: hostname, backlog: listenBacklog }, () =>
    console.log(`verdict: listening on http://${hostname}:${port}${dev ? " (development)" : ""}`),
  );

  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.once(signal, () => {
      server.close();
      server.closeIdleConnections();
      setTimeout(() => process.exit(0), 2000).unref();
      void app.close().finally(() => process.exit(0));
    });
  }
}
