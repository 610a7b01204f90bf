import { createHmac } from "node:crypto";
import { mkdirSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "@/test/support/browser";
import { signedInPage } from "@/test/support/browser-session";

const SHOTS = path.join("test-results", "screenshots");
let browser: Browser;
const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
const receiver = createServer((req, res) => {
  let body = "";
  req.on("data", (chunk) => (body += chunk));
  req.on("end", () => {
    received.push({ headers: req.headers, body });
    res.writeHead(200).end("ok");
  });
});

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
});
afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

describe("the alerts page", () => {
  it("adds a webhook, shows its secret once, and sends a signed test alert the receiver can verify", async () => {
    const { page } = await signedInPage(browser, ["admin"]);
    await page.goto("/admin/alerts");
    expect(await page.title()).toBe("Alerts · Verdict");
    await expect.poll(() => page.getByText("No webhooks yet").isVisible()).toBe(true);

    const port = (receiver.address() as { port: number }).port;
    await page.getByLabel("Name").fill("security-oncall");
    await page.getByLabel("URL").fill(`http://127.0.0.1:${port}/services/T000/B000/token-in-path`);
    await page.getByLabel("Format").selectOption("slack");
    await page.getByRole("checkbox", { name: "Allowlist grants about to expire" }).uncheck();
    await page.getByRole("button", { name: "Add webhook" }).last().click();
    const secret = (await page.getByTestId("webhook-secret").textContent())!.trim();
    expect(secret).toMatch(/^whsec_/);
    const row = page.getByRole("row", { name: /security-oncall/ });
    await expect.poll(() => row.textContent()).toContain(`http://127.0.0.1:${port}/services/…`);
    expect(await row.textContent()).not.toContain("Allowlist grants about to expire");

    await row.getByRole("button", { name: "Send test" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toContain("Delivered (HTTP 200)");
    expect(received).toHaveLength(1);
    const { headers, body } = received[0]!;
    const signed = createHmac("sha256", secret).update(`${headers["x-verdict-timestamp"]}.${body}`).digest("hex");
    expect(headers["x-verdict-signature"]).toBe(`sha256=${signed}`);
    expect(JSON.parse(body).text).toMatch(/A test alert sent by/);
    await page.getByRole("button", { name: "I have copied it" }).click();
    await expect.poll(() => page.getByRole("table", { name: "Delivery log" }).textContent()).toContain("delivered");
    await page.screenshot({ path: path.join(SHOTS, "alerts.png"), fullPage: true });
    await page.context().close();
  });

  it("is not offered to people without alert:manage", async () => {
    const { page } = await signedInPage(browser, ["auditor", "author", "reviewer"]);
    expect(await page.getByRole("link", { name: "Alerts" }).count()).toBe(0);
    const response = await page.goto("/admin/alerts");
    expect(await page.getByText("Add webhook").count()).toBe(0);
    expect(response?.status()).not.toBe(500);
    await page.context().close();
  });
});
