// The Verdict server (what `npm start` runs): Next.js behind Node's HTTP server, with OPA agents'
// endpoints (/api/opa/*) answered by the agent plane before the Next.js router sees them
// (lib/agent-plane/serve-agent-plane.ts; instrumentation.ts registers it). Until it is
// registered, and under any other server, the app/api/opa routes answer the same requests.
//   node server.mjs [--dev] [-p PORT] [-H HOSTNAME]
import { createServer } from "node:http";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: { dev: { type: "boolean", default: false }, port: { type: "string", short: "p" }, hostname: { type: "string", short: "H" } },
});
const dev = args.dev;
const port = Number(args.port ?? process.env.PORT ?? 3000);
const hostname = args.hostname ?? "localhost";
process.env.NODE_ENV ??= dev ? "development" : "production";

const { default: next } = await import("next");
const app = next({ dev, hostname, port });
await app.prepare();
const handle = app.getRequestHandler();

const server = createServer((req, res) => {
  if (globalThis.__verdictAgentPlane?.(req, res)) return;
  void handle(req, res);
});
if (dev) server.on("upgrade", app.getUpgradeHandler());
server.listen(port, hostname, () => console.log(`verdict: listening on http://${hostname}:${port}${dev ? " (development)" : ""}`));

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    server.close();
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 2000).unref();
    void app.close().finally(() => process.exit(0));
  });
}
