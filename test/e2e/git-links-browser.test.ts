import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { appUrl } from "@/test/support/api";

process.env.VERDICT_PUBLIC_URL = appUrl();

import { launchChromium } from "@/test/support/browser";
import { signedInPage } from "@/test/support/browser-session";
import { git, startGitHttpServer, type GitHttpServer } from "@/test/support/git-http-server";
import { uniqueRoot } from "@/test/factories/bundles";

let browser: Browser;
let root: string;
let server: GitHttpServer;

beforeAll(async () => {
  browser = await launchChromium();
  root = mkdtempSync(path.join(os.tmpdir(), "verdict-git-browser-"));
  server = await startGitHttpServer(root);
  const bare = path.join(root, "repo.git");
  git(root, ["init", "--bare", "--quiet", "-b", "main", bare]);
  const work = path.join(root, "work");
  git(root, ["clone", "--quiet", bare, work]);
  git(work, ["checkout", "--quiet", "-b", "main"]);
  writeFileSync(path.join(work, "README.md"), "x\n");
  git(work, ["add", "-A"]);
  git(work, ["commit", "--quiet", "-m", "start"], {
    GIT_AUTHOR_NAME: "Dev",
    GIT_AUTHOR_EMAIL: "dev@x.test",
    GIT_COMMITTER_NAME: "Dev",
    GIT_COMMITTER_EMAIL: "dev@x.test",
  });
  git(work, ["push", "--quiet", "origin", "main"]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe("the git links console", () => {
  it("links a repository from the form, shows the webhook secret once, and fetches from the link page", async () => {
    const { page } = await signedInPage(browser, ["admin"]);
    await page.goto("/admin/git-links");
    expect(await page.title()).toBe("Git links · Verdict");
    const name = `browser-${uniqueRoot()}`;
    // The form starts open only when there is no link yet; a click before hydration does nothing.
    const toggle = page.getByRole("button", { name: /Link a repository/ });
    const nameField = page.getByLabel("Name", { exact: true });
    for (let i = 0; i < 20 && !(await nameField.isVisible()); i++) {
      if ((await toggle.getAttribute("aria-expanded")) !== "true") await toggle.click();
      await page.waitForTimeout(250);
    }
    await page.getByLabel("Name", { exact: true }).fill(name);
    await page.getByLabel("Remote URL").fill(server.url("repo.git"));
    // A package root of its own: other tests' policies in the shared app database are not this link's drift.
    await page.getByLabel("Package root").fill(uniqueRoot());
    await page.getByLabel("Credential").selectOption("none");
    await page.getByRole("button", { name: "Link", exact: true }).click();
    const secret = page.getByTestId("webhook-secret");
    await secret.waitFor();
    expect(await secret.textContent()).toMatch(/[A-Za-z0-9_-]{40,}/);
    await page.getByRole("button", { name: "I have copied it" }).click();
    await page.getByRole("link", { name }).click();
    await page.waitForURL(/\/admin\/git-links\/[0-9a-f-]{36}$/);
    await expectText(page, "never fetched");
    await page.getByRole("button", { name: "Fetch now" }).click();
    await page
      .getByText(/^[0-9a-f]{40}$/)
      .first()
      .waitFor();
    await expectText(page, "in sync");
    await expectText(page, "No drift");
  });
});

async function expectText(page: import("playwright-core").Page, text: string) {
  await page.getByText(text, { exact: true }).first().waitFor({ timeout: 10_000 });
}
