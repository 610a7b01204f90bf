import http from "node:http";
import { freePort } from "@/lib/core/free-port";

export type StaticBundleServer = {
  url: string;
  serve: (bytes: Buffer, etag: string) => void;
  requests: () => number;
  stop: () => Promise<void>;
};

/**
 * A stand-in bundle server that answers every GET with whatever bytes the test sets (tampered,
 * signed with the wrong key, unsigned), honouring If-None-Match. It sends application/gzip, so
 * OPA polls periodically instead of long-polling.
 */
export async function startStaticBundleServer(): Promise<StaticBundleServer> {
  let current: { bytes: Buffer; etag: string } | null = null;
  let count = 0;
  const server = http.createServer((req, res) => {
    count += 1;
    if (!current) return void res.writeHead(404).end();
    if (req.headers["if-none-match"] === current.etag) return void res.writeHead(304, { etag: current.etag }).end();
    res.writeHead(200, {
      "content-type": "application/gzip",
      etag: current.etag,
      "content-length": current.bytes.length,
    });
    res.end(current.bytes);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    serve: (bytes, etag) => {
      current = { bytes, etag };
    },
    requests: () => count,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
