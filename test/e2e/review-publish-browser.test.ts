import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { appUrl } from "@/test/support/api";

process.env.VERDICT_PUBLIC_URL = appUrl();

import { createPolicy } from "@/lib/policies/create-policy";
import { launchChromium } from "@/test/support/browser";
import { signedInPage } from "@/test/support/browser-session";
import { createTestUser } from "@/test/factories/actors";
import { createTestAgentCredential } from "@/test/factories/agents";
import { allowPolicy, createTestBundle, uniqueRoot } from "@/test/factories/bundles";
import { policyInput } from "@/test/factories/sample-policies";
import { fastPolling, startOpaAgent, type OpaAgent } from "@/test/support/opa-agent";

let browser: Browser;
let agent: OpaAgent | undefined;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await agent?.stop();
  await browser?.close();
});

describe("review and publish in the browser", () => {
  it("submit, review as another user, approve, publish, and see the agent's revision in the fleet view", async () => {
    const { page: authorPage, user: author } = await signedInPage(browser, ["author"]);
    const root = uniqueRoot();
    const packagePath = `${root}.authz`;
    const policy = await createPolicy({
      actor: author,
      input: policyInput({ name: "Browser policy", packagePath, source: allowPolicy(packagePath, ["alice"]) }),
    });
    const admin = await createTestUser(["admin"]);
    const bundle = await createTestBundle(admin, { name: root, roots: [root], policyIds: [policy.id] });
    // The agent is running before anything is published: it gets 404s until the first revision.
    const { opaConfig } = await createTestAgentCredential(admin, { bundles: [bundle.name] });
    agent = await startOpaAgent({ name: "browser-agent", config: opaConfig, tweak: fastPolling() });

    // The author submits the policy's version for review.
    await authorPage.goto(`/reviews/new?policy=${policy.id}`);
    await authorPage.waitForLoadState("networkidle");
    await expect(authorPage.getByLabel(`Include ${packagePath} v1`).isChecked()).resolves.toBe(true);
    await authorPage.getByLabel("Title").fill("Let alice in");
    await authorPage.getByLabel("Description").fill("First version of the browser policy.");
    await authorPage.getByRole("button", { name: "Submit for review" }).click();
    await authorPage.waitForURL(/\/reviews\/\d+$/);
    const crPath = new URL(authorPage.url()).pathname;
    expect(await authorPage.getByRole("button", { name: "Approve" }).count()).toBe(0);

    // Another person reviews the side-by-side diff and approves.
    const { page: reviewerPage } = await signedInPage(browser, ["reviewer"]);
    await reviewerPage.goto(crPath);
    await reviewerPage.getByTestId("review-diff").locator(".monaco-diff-editor").waitFor({ timeout: 20_000 });
    expect(await reviewerPage.getByTestId("review-diff").textContent()).toContain("nothing published yet");
    await reviewerPage.getByLabel("Your review").fill("Deny by default; only alice. Looks right.");
    await reviewerPage.getByRole("button", { name: "Approve" }).click();
    await reviewerPage.getByText("Approved by").waitFor();

    // No test runs exist yet, so an admin publishes with a recorded reason.
    const { page: adminPage } = await signedInPage(browser, ["admin"]);
    await adminPage.goto(crPath);
    // The diff editor only renders once the page is hydrated, so typing after it reaches React.
    await adminPage.getByTestId("review-diff").locator(".monaco-diff-editor").waitFor({ timeout: 20_000 });
    await adminPage.getByLabel(/Override reason/).fill("Browser test: no test runs on this branch");
    await adminPage.getByRole("button", { name: "Publish" }).click();
    await adminPage.getByRole("link", { name: `${bundle.name} r1` }).waitFor({ timeout: 30_000 });

    // The agent picks the revision up and reports it; the fleet view shows it.
    await adminPage.goto(`/fleet?bundle=${bundle.name}`);
    const row = adminPage.locator('tr[data-agent="browser-agent"]');
    for (
      let attempt = 0;
      attempt < 40 &&
      !(
        await row
          .getByTestId("agent-revision")
          .textContent()
          .catch(() => "")
      )?.includes("r1");
      attempt++
    ) {
      await adminPage.waitForTimeout(500);
      await adminPage.reload();
    }
    expect(await row.getByTestId("agent-revision").textContent()).toBe("r1");
    expect(
      await adminPage.locator('.rollout-card[aria-current="page"]').getByTestId("rollout-summary").textContent(),
    ).toBe("1 of 1 agent on r1");
    expect(await agent.decide(`${packagePath.replaceAll(".", "/")}/allow`, { user: "alice" })).toBe(true);
  });
});
