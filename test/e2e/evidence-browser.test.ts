import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { appUrl } from "@/test/support/api";

process.env.VERDICT_PUBLIC_URL = appUrl();

import { ingestDecisionBatch } from "@/lib/decisions/ingest-decision-batch";
import { launchChromium } from "@/test/support/browser";
import { signedInPage } from "@/test/support/browser-session";
import { publishedScenario } from "@/test/factories/bundles";
import { decisionEvent } from "@/test/factories/decisions";

let browser: Browser;
let scenario: Awaited<ReturnType<typeof publishedScenario>>["scenario"];
let decisionId: string;
const work = mkdtempSync(path.join(os.tmpdir(), "verdict-evidence-browser-"));

beforeAll(async () => {
  browser = await launchChromium();
  ({ scenario } = await publishedScenario({ users: ["alice"] }));
  const event = decisionEvent({
    path: `${scenario.packagePath.replaceAll(".", "/")}/allow`,
    input: { user: "alice" },
    result: true,
    bundles: { [scenario.bundle.name]: { revision: "r1" } },
    timestamp: new Date().toISOString(),
  });
  decisionId = event.decision_id as string;
  await ingestDecisionBatch({ agent: { credentialId: null }, body: Buffer.from(JSON.stringify([event])) });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  rmSync(work, { recursive: true, force: true });
});

describe("evidence in the console", () => {
  it("goes from a decision to the state at its moment, and downloads a pack that verifies", async () => {
    const { page } = await signedInPage(browser, ["auditor"]);
    await page.goto(`/decisions/${decisionId}`);
    await page.getByRole("link", { name: "State at this moment" }).click();
    await page.waitForURL(/\/as-of\?at=/);
    await page
      .getByRole("heading", { name: "State as of", exact: true })
      .waitFor({ timeout: 15_000 })
      .catch(async (error: Error) => {
        throw new Error(`${error.message}\n${(await page.textContent("body"))?.slice(0, 2000)}`);
      });
    const row = page.getByRole("row").filter({ hasText: scenario.bundle.name });
    expect(await row.getByRole("link", { name: "r1" }).count()).toBe(1);
    expect(await row.textContent()).toContain(`${scenario.packagePath} v1`);

    await page.getByLabel("Bundles").selectOption(scenario.bundle.name);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download pack" }).click(),
    ]);
    const file = path.join(work, "pack.tar.gz");
    await download.saveAs(file);
    execFileSync("tar", ["-xzf", file, "-C", work]);
    const run = spawnSync("sh", [path.join(work, "evidence", "verify.sh")], {
      env: { ...process.env, OPA: process.env.OPA_BIN ?? "opa" },
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(run.stdout, run.stderr).toContain("VERIFIED: every check passed");
    expect(run.stdout).toContain(`ok   signature: bundles/${scenario.bundle.name}/r1.tar.gz`);
    expect(run.stdout).toMatch(/ok {3}replay: group \d+ decides as recorded/);
  });

  it("shows neither page nor link to people without the permission", async () => {
    const { page } = await signedInPage(browser, ["author"]);
    const res = await page.goto("/as-of");
    expect(await page.getByRole("heading", { name: "State as of", exact: true }).count()).toBe(0);
    expect(res?.status()).not.toBe(500);
  });
});
