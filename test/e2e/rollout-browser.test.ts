import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/core/db";
import { evaluateRollout } from "@/lib/rollouts/evaluate-rollout";
import { launchChromium } from "@/test/support/browser";
import { signedInPage } from "@/test/support/browser-session";
import { createTestAgentCredential } from "@/test/factories/agents";
import { approveNewVersion, publishedScenario, TEST_OVERRIDE } from "@/test/factories/bundles";

const SHOTS = path.join("test-results", "screenshots");
let browser: Browser;
// The decisions this file makes up (what a canary "decided"), removed afterwards: other files
// replay every stored decision against the real policies, which would not decide the same.
const madeUpPaths: string[] = [];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await db.decision.deleteMany({ where: { path: { in: madeUpPaths } } });
});

describe("a canary rollout in the browser", () => {
  it("publishes a change request as a canary rollout, shows it on the bundle and fleet pages, charts it, aborts it", async () => {
    const s = await publishedScenario({ users: ["alice"] });
    const bundle = s.scenario.bundle.name;
    const credential = await createTestAgentCredential(s.actors.admin, { bundles: [bundle], mayUploadLogs: true });
    const number = await approveNewVersion(s.actors, s.scenario, ["alice", "bob"], 1);
    const { page } = await signedInPage(browser, ["admin"]);

    await page.goto(`/reviews/${number}`);
    const asCanary = page.getByLabel("Publish as canary rollout");
    // The checkbox works only once the page is hydrated.
    for (let i = 0; i < 20 && !(await asCanary.isChecked()); i++) {
      await asCanary.check().catch(() => {});
      await page.waitForTimeout(250);
    }
    await page.getByLabel(/Override reason/).fill(TEST_OVERRIDE);
    // A stage list the server refuses is shown with the field it names.
    await page.getByLabel("Stages (% of eligible agents)").fill("50, 20");
    await page.getByRole("button", { name: "Publish as canary rollout" }).click();
    await page.getByRole("alert").filter({ hasText: "stages must ascend" }).waitFor();
    await page.getByLabel("Stages (% of eligible agents)").fill("100");
    await page.getByLabel("Min soak per stage (s)").fill("3600");
    await page.getByText("Thresholds (defaults shown)").click();
    expect(await page.getByLabel("Max deny rate increase (0–1)").inputValue()).toBe("0.05");
    await page.getByLabel("Min canary decisions per stage").fill("10");
    await page.getByLabel("Min decisions per path").press("Control+a");
    await page.keyboard.type("5");
    await page.screenshot({ path: path.join(SHOTS, "rollout-publish-panel.png"), fullPage: true });
    await page.getByRole("button", { name: "Publish as canary rollout" }).click();
    await page.waitForURL(/\/rollouts\/[0-9a-f-]{36}$/);
    const id = page.url().split("/").at(-1)!;
    await page.getByText("No evaluation yet").waitFor();
    expect(await page.textContent("h1")).toContain("r1 → r2");

    await page.goto(`/bundles/${bundle}`);
    const onBundle = page.getByRole("table", { name: "Canary rollout in progress" });
    expect(await onBundle.textContent()).toMatch(/canary r2 vs baseline r1[\s\S]*stage 1 of 1 · 100 %/);
    await page.screenshot({ path: path.join(SHOTS, "rollout-bundle-page.png") });
    await page.goto("/fleet");
    const onFleet = page.getByRole("table", { name: "Canary rollouts in progress" });
    expect(await onFleet.getByRole("row", { name: new RegExp(bundle) }).textContent()).toContain(
      "canary r2 vs baseline r1",
    );
    await onFleet.screenshot({ path: path.join(SHOTS, "rollout-fleet-page.png") });

    // Decision logs of both sides, then two judgements: the canary denies what the baseline allows.
    const rollout = await db.bundleRollout.findUniqueOrThrow({ where: { id } });
    const at = rollout.stageStartedAt.getTime();
    madeUpPaths.push(`${s.scenario.root}/authz/allow`);
    const log = (side: "canary" | "baseline", allowed: boolean, count: number, from: number) =>
      db.decision.createMany({
        data: Array.from({ length: count }, (_, i) => ({
          timestamp: new Date(from + i),
          decisionId: randomUUID(),
          path: `${s.scenario.root}/authz/allow`,
          allowed,
          result: allowed,
          input: { user: i % 2 === 0 ? "alice" : "bob" },
          agent: `${side}-agent`,
          credentialId: side === "canary" ? credential.credential.id : null,
          revisions: [side === "canary" ? "r2" : "r1"],
          unpublished: false,
          bundles: { [bundle]: { revision: side === "canary" ? "r2" : "r1" } },
          labels: {},
          metrics: { timer_rego_query_eval_ns: (side === "canary" ? 40_000 : 30_000) + i * 100 },
        })),
      });
    await log("baseline", true, 30, at + 10);
    await log("canary", true, 20, at + 10);
    expect((await evaluateRollout(id, { now: new Date(at + 1_000) })).outcome).toBe("held");
    await log("canary", false, 1, at + 1_500);
    expect((await evaluateRollout(id, { now: new Date(at + 2_000) })).outcome).toBe("held");
    await log("canary", false, 10, at + 2_500);
    expect((await evaluateRollout(id, { now: new Date(at + 3_000) })).outcome).toBe("aborted");

    await page.goto(`/bundles/${bundle}/rollouts/${id}`);
    // The app's own evaluator (every 15 s) may have judged the rollout too, on a slow run.
    const deny = page.getByRole("img", { name: /^Deny rate, canary against baseline, \d+ evaluations/ });
    expect(await deny.getAttribute("aria-label")).toMatch(/[1-9]\d* above the threshold/);
    expect(await page.getByRole("list", { name: "Reasons" }).textContent()).toMatch(/deny rate on /);
    // The two distinct inputs, replayed against both revisions' bundles by the real opa.
    await page.getByText(/Replayed 2 distinct inputs against both revisions/).waitFor();
    await page.screenshot({ path: path.join(SHOTS, "rollout-aborted.png"), fullPage: true });
    expect(await page.getByRole("button", { name: "Abort" }).count()).toBe(0);
  }, 180_000);

  it("stages a bundle's newest revision from the bundle page and aborts it with the button", async () => {
    const s = await publishedScenario({ users: ["alice"] });
    const bundle = s.scenario.bundle.name;
    await createTestAgentCredential(s.actors.admin, { bundles: [bundle] });
    const { page } = await signedInPage(browser, ["admin"]);
    await page.goto(`/reviews/${await approveNewVersion(s.actors, s.scenario, ["alice", "bob"], 1)}`);
    // Typed before hydration, the reason would not reach the form's state: type until Publish is enabled.
    const publish = page.getByRole("button", { name: "Publish", exact: true });
    for (let i = 0; i < 20 && !(await publish.isEnabled()); i++) {
      await page.getByLabel(/Override reason/).fill(TEST_OVERRIDE);
      await page.waitForTimeout(250);
    }
    await publish.click();
    await page.getByText("Published", { exact: true }).first().waitFor();

    await page.goto(`/bundles/${bundle}`);
    const open = page.getByRole("button", { name: "Stage r2 as a canary rollout…" });
    const start = page.getByRole("button", { name: "Start rollout of r2" });
    for (let i = 0; i < 20 && !(await start.isVisible()); i++) {
      await open.click().catch(() => {});
      await page.waitForTimeout(250);
    }
    await page.getByLabel("Selector labels (key=value, comma separated)").fill("canary");
    await start.click();
    await page.getByRole("alert").filter({ hasText: '"canary" is not key=value' }).waitFor();
    await page.getByLabel("Selector labels (key=value, comma separated)").fill("canary=true");
    await start.press("Enter");
    await page.waitForURL(/\/rollouts\/[0-9a-f-]{36}$/);
    await page.screenshot({ path: path.join(SHOTS, "rollout-started.png"), fullPage: true });

    await page.getByLabel("Reason").fill("abort from the browser test");
    await page.getByRole("button", { name: "Abort" }).click();
    await page.getByText("aborted", { exact: true }).first().waitFor();
    const row = await db.bundleRollout.findFirstOrThrow({ where: { bundle: { name: bundle } } });
    expect([row.state, row.endedReason]).toEqual(["aborted", "abort from the browser test"]);
  }, 180_000);
});
