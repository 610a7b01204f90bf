import http from "node:http";
import { describe, expect, it } from "vitest";
import { appUrl } from "@/test/support/api";

// OPA agents (Go's HTTP client) keep an idle connection for 90 s: the server must keep it longer,
// or every status report and decision-log upload of every agent opens a new connection.
describe("connections from agents", () => {
  it("are kept alive past the 90 s an OPA agent keeps them, and reused between requests", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = () =>
      new Promise<{ keepAlive: string | undefined; reused: boolean }>((resolve, reject) => {
        const req = http.get(`${appUrl()}/api/health`, { agent }, (res) => {
          res.resume();
          res.on("end", () => resolve({ keepAlive: String(res.headers["keep-alive"]), reused: req.reusedSocket }));
        });
        req.on("error", reject);
      });
    const first = await get();
    expect(first.keepAlive).toBe("timeout=95");
    await new Promise((r) => setTimeout(r, 100));
    expect((await get()).reused).toBe(true);
    agent.destroy();
  });
});
