import { readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { appUrl } from "@/test/support/api";

process.env.VERDICT_PUBLIC_URL = appUrl();

import { db } from "@/lib/core/db";
import type { Actor } from "@/lib/auth/actor";
import { createSigningKey } from "@/lib/bundles/signing-keys";
import { publishChangeRequest } from "@/lib/publishing/publish-change-request";
import { savePolicyVersion } from "@/lib/policies/save-policy-version";
import { createChangeRequest } from "@/lib/change-requests/submit-change-request";
import { ingestDecisionBatch } from "@/lib/decisions/ingest-decision-batch";
import { launchChromium } from "@/test/support/browser";
import { signedInPage } from "@/test/support/browser-session";
import { createTestUser } from "@/test/factories/actors";
import { allowPolicy, approvedScenario, TEST_OVERRIDE } from "@/test/factories/bundles";
import { decisionEvent } from "@/test/factories/decisions";

let browser: Browser;
let actors: { admin: Actor; author: Actor; reviewer: Actor };
let scenario: Awaited<ReturnType<typeof approvedScenario>>;
const run = randomUUID().slice(0, 8);
const prefix = `spiffe://prod.example.com/ns/browser-${run}/`;

beforeAll(async () => {
  browser = await launchChromium();
  actors = {
    admin: await createTestUser(["admin"]),
    author: await createTestUser(["author"]),
    reviewer: await createTestUser(["reviewer"]),
  };
  await createSigningKey({ actor: actors.admin, input: { source: "generate", algorithm: "ES256", activate: true } });
  scenario = await approvedScenario(actors, { users: ["alice"] });
  await publishChangeRequest({
    actor: actors.admin,
    number: scenario.cr.number,
    input: { overrideReason: TEST_OVERRIDE },
  });
  const path = `${scenario.packagePath.replaceAll(".", "/")}/allow`;
  const events = Array.from({ length: 30 }, (_, i) => {
    const user = i % 10 === 0 ? "mallory" : "alice";
    return decisionEvent({
      path,
      input: { user, caller: `${prefix}sa/${user}`, method: "GET" },
      result: user === "alice",
      bundles: { [scenario.bundle.name]: { revision: "r1" } },
      labels: { id: "x", instance: `browser-agent-${run}` },
    });
  });
  await ingestDecisionBatch({ agent: { credentialId: null }, body: Buffer.from(JSON.stringify(events)) });
});

afterAll(async () => {
  await browser?.close();
});

describe("decisions in the browser", () => {
  it("filter, open a decision, follow it to the policy version, replay it, and export the filter", async () => {
    const { page, user } = await signedInPage(browser, ["auditor"]);
    await page.goto("/decisions");
    await page.getByLabel("Caller prefix").fill(prefix);
    await page.getByLabel("Outcome").selectOption("denied");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(
      (url) => url.searchParams.get("caller") === prefix && url.searchParams.get("outcome") === "denied",
    );
    const rows = page.locator(".decision-table tbody tr");
    await expect.poll(() => rows.count()).toBe(3);
    const deniedCard = page
      .getByRole("region", { name: "Decision statistics" })
      .locator(".stat")
      .filter({ hasText: "Denied" });
    await expect.poll(() => deniedCard.locator(".stat-value").textContent()).toBe("3");
    expect(await rows.first().textContent()).toContain(`${prefix}sa/mallory`);

    await rows.first().getByRole("link").click();
    await page.waitForURL(/\/decisions\/[^/?]+\?at=/);
    await page.getByText("published by Verdict").waitFor();
    expect(await page.getByRole("link", { name: `#${scenario.cr.number} Ship ${scenario.packagePath}` }).count()).toBe(
      1,
    );
    await page.getByRole("button", { name: "Replay" }).click();
    await expect.poll(() => page.getByTestId("replay-verdict").textContent()).toContain("Same decision: still denied");

    await page.getByRole("link", { name: `${scenario.packagePath} v1` }).click();
    await page.waitForURL(new RegExp(`/policies/${scenario.policy.id}/history\\?b=1$`));
    await page.getByRole("heading", { name: /^History of/ }).waitFor();

    await page.goBack();
    await page.goBack();
    await page.waitForURL((url) => url.pathname === "/decisions");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "CSV" }).click(),
    ]);
    const csv = readFileSync((await download.path())!, "utf8")
      .trimEnd()
      .split("\r\n");
    expect(csv[0]).toBe(
      "timestamp,decision_id,path,outcome,caller,agent,revisions,unpublished,received_at,input,result",
    );
    expect(csv.slice(1).map((l) => l.split(",")[3])).toEqual(["denied", "denied", "denied"]);
    const audit = await db.auditEvent.findFirst({ where: { action: "decisions.export", actorId: user.userId } });
    expect(audit?.after).toMatchObject({ format: "csv", filter: { caller: prefix, outcome: "denied" } });
  });

  it("shows a reviewer which recorded decisions a change request would flip, next to the diff", async () => {
    const v2 = await savePolicyVersion({
      actor: actors.author,
      policyId: scenario.policy.id,
      input: {
        source: allowPolicy(scenario.packagePath, ["mallory"]),
        message: "mallory instead of alice",
        expectedVersion: 1,
      },
    });
    const cr = await createChangeRequest({
      actor: actors.author,
      input: {
        title: "Swap alice for mallory",
        description: "",
        items: [{ kind: "policy_version", policyVersionId: v2.version.id }],
      },
    });
    const { page } = await signedInPage(browser, ["reviewer"]);
    await page.goto(`/reviews/${cr.number}`);
    const panel = page.getByRole("region", { name: "Impact on recent decisions" });
    // The whole panel's text, so that a failure shows what it said instead (an error, "nothing recorded").
    await expect.poll(() => panel.textContent(), { timeout: 30_000 }).toContain("would be decided differently");
    expect(await panel.getByTestId("impact-summary").count()).toBe(1);
    expect(await panel.getByText(/Allowed → denied: 1 input · 27 decisions/).count()).toBe(1);
    expect(await panel.getByText(/Denied → allowed: 1 input · 3 decisions/).count()).toBe(1);
  });
});
