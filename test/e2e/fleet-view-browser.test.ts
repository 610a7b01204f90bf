import { mkdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { appUrl } from "@/test/support/api";

process.env.VERDICT_PUBLIC_URL = appUrl();

import type { Actor } from "@/lib/auth/actor";
import { enqueueAgentStatus, flushAgentStatus } from "@/lib/agents/record-agent-status";
import { ZStatusReport } from "@/lib/agents/schemas";
import { publishChangeRequest } from "@/lib/publishing/publish-change-request";
import { launchChromium } from "@/test/support/browser";
import { signedInPage } from "@/test/support/browser-session";
import { createTestUser } from "@/test/factories/actors";
import { createTestAgentCredential } from "@/test/factories/agents";
import { approvedScenario, shipNewVersion, TEST_OVERRIDE } from "@/test/factories/bundles";

const SHOTS = path.join(process.cwd(), "test-results", "screenshots");
const AGENTS = 130;

let browser: Browser;
let bundle: string;
let prefix: string;
const onR1 = (i: number) => i % 4 === 0;
const failing = (i: number) => i % 9 === 0;
const identity = (i: number) => `${prefix}-${String(i).padStart(3, "0")}`;

beforeAll(async () => {
  browser = await launchChromium();
  const actors: { admin: Actor; author: Actor; reviewer: Actor } = {
    admin: await createTestUser(["admin"]),
    author: await createTestUser(["author"]),
    reviewer: await createTestUser(["reviewer"]),
  };
  const s = await approvedScenario(actors);
  await publishChangeRequest({ actor: actors.admin, number: s.cr.number, input: { overrideReason: TEST_OVERRIDE } });
  await shipNewVersion(actors, s, ["alice", "bob"], 1);
  bundle = s.bundle.name;
  prefix = `fv${s.root}`;
  const { credential } = await createTestAgentCredential(actors.admin, { bundles: [bundle] });
  for (let i = 0; i < AGENTS; i++) {
    const report = ZStatusReport.parse({
      labels: { id: `pid-${i}`, instance: identity(i), version: "1.2.0", team: i % 2 ? "payments" : "search" },
      bundles: {
        [bundle]: {
          name: bundle,
          active_revision: onR1(i) ? "r1" : "r2",
          ...(failing(i) ? { code: "bundle_error", message: "server replied with Unauthorized", http_code: 401 } : {}),
        },
      },
    });
    enqueueAgentStatus(report, credential.id);
  }
  await flushAgentStatus();
});

afterAll(async () => {
  await browser?.close();
});

const rowIds = (page: Page) =>
  page.locator("tr[data-agent]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-agent")));
const matching = (page: Page) => page.getByTestId("fleet-matching").textContent();

describe("the fleet page", () => {
  it("pages through a filtered fleet, filters from the keyboard, and lists the agents not on the newest revision", async () => {
    const { page } = await signedInPage(browser, ["viewer"]);
    const all = Array.from({ length: AGENTS }, (_, i) => identity(i));

    // Text filter from the URL, then forward and back through keyset pages.
    await page.goto(`/fleet?q=${prefix}`);
    await page.getByRole("heading", { name: `Agents whose id contains “${prefix}”` }).waitFor();
    expect(await matching(page)).toBe(`${AGENTS} agents match; 50 on this page`);
    const first = await rowIds(page);
    expect(first).toEqual(all.slice(0, 50));
    await page.getByRole("navigation", { name: "Agent pages" }).getByRole("link", { name: "Next →" }).click();
    await page.waitForURL(/cursor=/);
    await page.locator(`tr[data-agent="${identity(50)}"]`).waitFor();
    expect(await rowIds(page)).toEqual(all.slice(50, 100));
    await page.getByRole("link", { name: "Next →" }).click();
    await page.locator(`tr[data-agent="${identity(100)}"]`).waitFor();
    expect(await rowIds(page)).toEqual(all.slice(100));
    expect(await page.getByRole("link", { name: "Next →" }).count()).toBe(0);
    await page.getByRole("link", { name: "← Previous" }).click();
    await page.waitForURL(/before=/);
    await page.locator(`tr[data-agent="${identity(50)}"]`).waitFor();
    expect(await rowIds(page)).toEqual(all.slice(50, 100));

    // From the keyboard: "/" jumps to the search box; the health select and Enter apply the filters.
    await page.goto("/fleet");
    await page.waitForLoadState("networkidle");
    await page.locator("body").press("/");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("ff-q");
    await page.keyboard.type(prefix);
    await page.getByLabel("Health").selectOption("1");
    await page.getByLabel("Agent id contains").press("Enter");
    await page.waitForURL((url) => url.searchParams.get("failing") === "1" && url.searchParams.get("q") === prefix);
    await page.getByRole("heading", { name: `Agents whose id contains “${prefix}”, reporting errors` }).waitFor();
    const failingIds = all.filter((_, i) => failing(i));
    await page.locator(`tr[data-agent="${failingIds[0]}"]`).waitFor();
    expect(await rowIds(page)).toEqual(failingIds);
    expect(await page.getByLabel("Health").inputValue()).toBe("1");

    // The rollout card: one bar per revision, and a link to the agents not on the newest.
    const card = page.locator(".rollout-card", { has: page.getByRole("link", { name: bundle, exact: true }) });
    const laggards = all.filter((_, i) => onR1(i));
    expect(await card.locator('tr[data-revision="r2"] td.num').textContent()).toBe(String(AGENTS - laggards.length));
    expect(await card.locator('tr[data-revision="r1"] td.num').textContent()).toBe(String(laggards.length));
    await card.getByRole("link", { name: `${laggards.length} agents not on r2 →` }).click();
    await page.waitForURL(
      (url) => url.searchParams.get("notRevision") === "r2" && url.searchParams.get("bundle") === bundle,
    );
    await page.getByRole("heading", { name: `Agents pulling ${bundle}, not on r2` }).waitFor();
    // identity(4) is on r1 and not failing: in this list, not in the previous one.
    await page.locator(`tr[data-agent="${identity(4)}"]`).waitFor();
    expect(await matching(page)).toBe(`${laggards.length} agents match`);
    expect(await rowIds(page)).toEqual(laggards);
    expect(await page.getByTestId("agent-revision").allTextContents()).toEqual(laggards.map(() => "r1"));
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, "fleet-not-on-latest.png"), fullPage: true });

    // A filter with no match says so; an invalid one says why.
    await page.goto(`/fleet?q=${prefix}-nobody`);
    await page.getByRole("heading", { name: "No agent matches these filters" }).waitFor();
    await page.goto("/fleet?notRevision=r2");
    expect(await page.getByRole("alert").filter({ hasText: "These filters are not valid" }).textContent()).toContain(
      "notRevision needs a bundle",
    );
    await page.goto(`/fleet?q=${prefix}&cursor=not-ours`);
    await page.getByRole("alert").filter({ hasText: "This page link is not valid" }).waitFor();
    await page.getByRole("link", { name: "Go to the first page" }).click();
    await page.locator(`tr[data-agent="${identity(0)}"]`).waitFor();
    await page.context().close();
  });

  it("answers the same filters through the API, page by page", async () => {
    const { page } = await signedInPage(browser, ["viewer"]);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const search: URLSearchParams = new URLSearchParams({
        q: prefix,
        label: "team=payments",
        failing: "0",
        limit: "20",
        ...(cursor ? { cursor } : {}),
      });
      const body: { items: Array<{ identity: string }>; nextCursor: string | null } = await page.evaluate(
        async (url) => (await fetch(url)).json(),
        `/api/v1/fleet/agents?${search}`,
      );
      seen.push(...body.items.map((a) => a.identity));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(
      Array.from({ length: AGENTS }, (_, i) => i)
        .filter((i) => i % 2 && !failing(i))
        .map(identity),
    );
    const bad = await page.evaluate(async () => (await fetch("/api/v1/fleet/agents?limit=1000")).status);
    expect(bad).toBe(422);
    await page.context().close();
  });
});
