import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { appUrl } from "@/test/support/api";

process.env.VERDICT_PUBLIC_URL = appUrl();

import type { Actor } from "@/lib/auth/actor";
import { launchChromium } from "@/test/support/browser";
import { signedInPage } from "@/test/support/browser-session";
import { createTestUser } from "@/test/factories/actors";
import { approvedScenario } from "@/test/factories/bundles";
import { policyInput } from "@/test/factories/sample-policies";
import { createPolicy } from "@/lib/policies/create-policy";

let browser: Browser;
let actors: { admin: Actor; author: Actor; reviewer: Actor };
let scenario: Awaited<ReturnType<typeof approvedScenario>>;

beforeAll(async () => {
  browser = await launchChromium();
  actors = {
    admin: await createTestUser(["admin"]),
    author: await createTestUser(["author"]),
    reviewer: await createTestUser(["reviewer"]),
  };
  scenario = await approvedScenario(actors);
  // Enough history to make the audit trail several screens long.
  for (let i = 0; i < 24; i++) await createPolicy({ actor: actors.author, input: policyInput() });
});

afterAll(async () => {
  await browser?.close();
});

describe("the console's pages", () => {
  it("each have a title of their own", async () => {
    const { page } = await signedInPage(browser, ["viewer", "auditor", "admin"]);
    const titles: Record<string, string> = {};
    for (const path of [
      "/policies",
      "/reviews",
      `/reviews/${scenario.cr.number}`,
      `/policies/${scenario.policy.id}`,
      "/decisions",
      "/audit",
      `/bundles/${scenario.bundle.name}`,
    ]) {
      await page.goto(path);
      titles[path] = await page.title();
    }
    expect(titles).toEqual({
      "/policies": "Policies · Verdict",
      "/reviews": "Change requests · Verdict",
      [`/reviews/${scenario.cr.number}`]: `Change request #${scenario.cr.number} · Verdict`,
      [`/policies/${scenario.policy.id}`]: `${scenario.policy.name} · Verdict`,
      "/decisions": "Decisions · Verdict",
      "/audit": "Audit trail · Verdict",
      [`/bundles/${scenario.bundle.name}`]: `${scenario.bundle.name} · Bundles · Verdict`,
    });
    expect(new Set(Object.values(titles)).size).toBe(Object.keys(titles).length);
    await page.context().close();
  });

  it("say where a page sits in a breadcrumb trail that links to the pages above it", async () => {
    const { page } = await signedInPage(browser, ["viewer", "auditor", "admin"]);
    await page.goto(`/policies/${scenario.policy.id}/history`);
    const trail = page.getByRole("navigation", { name: "Breadcrumb" });
    await trail.waitFor(); // the page streams in after the loading skeleton
    expect(await trail.getByRole("link").allTextContents()).toEqual(["Policies", scenario.policy.name]);
    expect(await trail.locator('[aria-current="page"]').textContent()).toBe("History");
    await trail.getByRole("link", { name: scenario.policy.name }).click();
    await page.waitForURL(`**/policies/${scenario.policy.id}`);
    const above = page.getByRole("navigation", { name: "Breadcrumb" });
    await above.getByText(scenario.policy.name).waitFor();
    expect(await above.getByRole("link").allTextContents()).toEqual(["Policies"]);
    expect(await above.locator('[aria-current="page"]').textContent()).toBe(scenario.policy.name);
    await page.context().close();
  });

  it("keep the dark sidebar down to the bottom of a long page, its links in view", async () => {
    const { page } = await signedInPage(browser, ["viewer", "auditor", "admin"]);
    // A short window, and the 24 policies created above, make the audit trail several screens long.
    await page.setViewportSize({ width: 1280, height: 480 });
    await page.goto("/audit");
    // The trail streams in after the loading skeleton; measure the page once its rows are there.
    await page.locator("table tbody tr").nth(20).waitFor();
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    const m = await page.evaluate(() => {
      const sidebar = document.querySelector(".sidebar")!.getBoundingClientRect();
      const nav = document.querySelector(".sidebar .nav")!.getBoundingClientRect();
      return {
        pageHeight: document.documentElement.scrollHeight,
        viewport: window.innerHeight,
        sidebarBottom: sidebar.bottom + window.scrollY,
        sidebarTop: sidebar.top + window.scrollY,
        navTop: nav.top,
        background: getComputedStyle(document.querySelector(".sidebar")!).backgroundColor,
      };
    });
    expect(m.pageHeight).toBeGreaterThan(m.viewport * 2);
    expect(m.sidebarTop).toBe(0);
    expect(m.sidebarBottom).toBeGreaterThanOrEqual(m.pageHeight - 1);
    expect(m.background).toBe("rgb(17, 24, 39)");
    // Scrolled to the bottom, the navigation is still on screen.
    expect(m.navTop).toBeGreaterThanOrEqual(0);
    expect(m.navTop).toBeLessThan(m.viewport);
    await page.context().close();
  });
});
