// The floor of Node's HTTP server for the bundle benchmark: answers GET /bundle with 304 when
// If-None-Match is the given ETag and 200 with the given file otherwise, with the headers
// Verdict's agent plane sends (HEADERS: its security headers, as JSON), and does nothing else
// (no routing, no authentication). What Verdict's 304 costs above this is Verdict's; what this
// costs above nginx is Node's.
//   node bench/node-floor-server.mjs PORT ETAG FILE HEADERS
import { readFileSync } from "node:fs";
import { createServer } from "node:http";

const [port, etag, file, headers] = process.argv.slice(2);
const body = readFileSync(file);
const common = [
  ...Object.entries(JSON.parse(headers ?? "{}")).flat(),
  "content-type",
  "application/vnd.openpolicyagent.bundles",
  "etag",
  etag,
];
const ok = [...common, "content-length", String(body.length)];
createServer((req, res) => {
  if (req.headers["if-none-match"] === etag) {
    res.writeHead(304, common);
    res.end();
  } else {
    res.writeHead(200, ok);
    res.end(body);
  }
}).listen(Number(port), "127.0.0.1", () => process.send?.("listening"));
