// npm run screenshots -- <base-url> <email> <password> [out-dir] — signs in and captures the main pages.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { launchChromium } from "@/test/support/browser";

const [
  baseUrl = "http://localhost:3000",
  email = "admin@verdict.local",
  password = "",
  outDir = "test-results/screenshots",
  ...extra
] = process.argv.slice(2);
const pages = extra.length ? extra : ["/policies", "/audit", "/admin/users", "/settings/tokens"];

async function main() {
  mkdirSync(outDir, { recursive: true });
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(`${baseUrl}/login`);
  await page.screenshot({ path: path.join(outDir, "login.png") });
  await page.fill("#email", email);
  await page.fill("#password", password);
  await page.click("button[type=submit]");
  await page.waitForURL((url) => !url.pathname.startsWith("/login"));
  for (const p of pages) {
    await page.goto(`${baseUrl}${p}`);
    await page.waitForLoadState("networkidle");
    await page.waitForTimeout(800);
    const file = path.join(outDir, `${p.replace(/^\//, "").replace(/[/?=&]/g, "_") || "home"}.png`);
    await page.screenshot({ path: file, fullPage: true });
    console.log(`saved ${file}`);
  }
  await browser.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
