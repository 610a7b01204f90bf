import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "@/test/support/browser";
import { startOwnDatabase, type OwnDatabase } from "@/test/support/own-database";
import { startAppInstance, type AppInstance } from "@/test/support/app-process";

const run = promisify(execFile);
const SHOTS = path.join(process.cwd(), "test-results", "screenshots");
const ADMIN = { email: "admin@verdict.local", password: "first admin password 1" };
const REVIEWER = { email: "reviewer@verdict.local", password: "sample reviewer password 1" };

let database: OwnDatabase;
let app: AppInstance;
let browser: Browser;
let demoAgentPid: number | null = null;

beforeAll(async () => {
  // A first start of its own: an empty database, seeded as `npm start` seeds it, and its own app.
  database = await startOwnDatabase("getting_started");
  const env = {
    ...process.env,
    DATABASE_URL: database.url,
    VERDICT_ADMIN_PASSWORD: ADMIN.password,
    VERDICT_REVIEWER_PASSWORD: REVIEWER.password,
  };
  await run(process.execPath, ["node_modules/tsx/dist/cli.mjs", "scripts/seed.ts"], { env });
  app = await startAppInstance(
    {
      DATABASE_URL: database.url,
      OPA_BIN: process.env.OPA_BIN!,
      NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
      VERDICT_MASTER_KEY: randomBytes(32).toString("base64"),
    },
    { name: "getting-started" },
  );
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await database?.destroy();
  if (demoAgentPid) expect(alive(demoAgentPid)).toBe(false);
});

/** Whether the process still runs: gone, or a zombie waiting for a parent that no longer exists, is not running. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

async function signIn(who: { email: string; password: string }): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, baseURL: app.url });
  const page = await context.newPage();
  await page.goto("/login");
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => url.pathname === "/");
  return page;
}

/** The browser's own fetch, with the session cookie: what the console's buttons send. */
async function inPage<T>(page: Page, path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  return page.evaluate(
    async ({ path, init }) => {
      const response = await fetch(path, {
        method: init.method ?? (init.body === undefined ? "GET" : "POST"),
        headers: init.body === undefined ? undefined : { "content-type": "application/json" },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
      if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      return response.json();
    },
    { path, init },
  ) as Promise<T>;
}

/** Screenshots of the empty and the filled console, for the README (docs/screenshots). */
async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: false });
}

/** The status a request from the page gets, for requests the server must refuse. */
async function statusFromPage(page: Page, path: string, init: { method?: string; body?: unknown }): Promise<number> {
  return page.evaluate(
    async ({ path, init }) =>
      (
        await fetch(path, {
          method: init.method ?? "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(init.body ?? {}),
        })
      ).status,
    { path, init },
  );
}

async function doneSteps(page: Page): Promise<string[]> {
  await page.goto("/");
  await page.getByRole("heading", { name: /Getting started/ }).waitFor();
  return page.locator('li[data-done="true"]').evaluateAll((items) => items.map((li) => li.getAttribute("data-step")!));
}

async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

describe("a newcomer's first loop", () => {
  it("connects the demo agent, changes and tests a policy, gets it approved by a second person, publishes, and finds a decision of the new revision", async () => {
    const admin = await signIn(ADMIN);
    await admin.getByRole("heading", { name: "Getting started: 0 of 7 done" }).waitFor();
    await shot(admin, "home-first-start");
    await admin.goto("/fleet");
    await shot(admin, "fleet-empty");

    // 1. A live agent in one click.
    await admin.goto("/fleet");
    expect(await statusFromPage(admin, "/api/v1/fleet/demo-agent", { body: { minutes: 0 } })).toBe(422);
    expect(await statusFromPage(admin, "/api/v1/fleet/demo-agent", { body: { minutes: "ten" } })).toBe(422);
    await admin.getByRole("button", { name: "Start a demo agent" }).click();
    await admin.getByRole("button", { name: "Stop demo agent" }).waitFor();
    // One at a time: a second start is refused while it runs.
    expect(await statusFromPage(admin, "/api/v1/fleet/demo-agent", { body: { minutes: 5 } })).toBe(409);
    demoAgentPid = (await inPage<{ pid: number | null }>(admin, "/api/v1/fleet/demo-agent")).pid;
    expect(demoAgentPid).toBeGreaterThan(0);
    await eventually(
      async () => {
        await admin.reload();
        return (await admin.locator('tr[data-agent="verdict-demo-agent"]').count()) === 1;
      },
      60_000,
      "the demo agent in the fleet view",
    );

    // 2. Change a sample policy and run its tests in the editor.
    const policies = await inPage<{ items: Array<{ id: string; packagePath: string }> }>(admin, "/api/v1/policies");
    const rbac = policies.items.find((p) => p.packagePath === "httpapi.rbac")!;
    const head = await inPage<{ source: string }>(admin, `/api/v1/policies/${rbac.id}/versions/1`);
    const source = head.source.replace('"viewer": {"read"},', '"viewer": {"read"},\n\t"auditor": {"read"},');
    expect(source).not.toBe(head.source);
    await inPage(admin, `/api/v1/policies/${rbac.id}/versions`, {
      body: { source, message: "auditors may read", expectedVersion: 1 },
    });
    await admin.goto(`/policies/${rbac.id}`);
    await admin.getByRole("button", { name: /Run tests/ }).click();
    await admin
      .getByText(/passed/)
      .first()
      .waitFor({ timeout: 60_000 });

    // 3. Open a change request for the new version.
    await admin.goto(`/reviews/new?policy=${rbac.id}`);
    await admin.waitForLoadState("networkidle");
    await admin.getByLabel("Title").fill("Auditors may read the HTTP API");
    await admin.getByRole("button", { name: "Submit for review" }).click();
    await admin.waitForURL(/\/reviews\/\d+$/);
    const crPath = new URL(admin.url()).pathname;

    // 4–5. The second person approves and publishes: the tests passed, so no override is needed.
    const reviewer = await signIn(REVIEWER);
    await reviewer.goto(crPath);
    await reviewer.getByTestId("review-diff").locator(".monaco-diff-editor").waitFor({ timeout: 30_000 });
    await reviewer.getByLabel("Your review").fill("Read-only for auditors; tests pass.");
    await reviewer.getByRole("button", { name: "Approve" }).click();
    await reviewer.getByText("Approved by").waitFor();
    await reviewer.getByRole("button", { name: "Publish" }).click();
    await reviewer.getByRole("link", { name: "main r1" }).waitFor({ timeout: 60_000 });

    // 6–7. The agent runs r1, and a decision it made with r1 is stored; the checklist ticks itself off.
    let done: string[] = [];
    await eventually(
      async () => {
        done = await doneSteps(admin);
        return done.length === 7;
      },
      90_000,
      "all seven steps done",
    ).catch((error: Error) => {
      throw new Error(`${error.message}; done: ${done.join(", ")}`);
    });
    await admin.getByRole("heading", { name: "Getting started: 7 of 7 done" }).waitFor();
    await shot(admin, "home-loop-done");
    await admin.goto("/fleet");
    await admin.locator('tr[data-agent="verdict-demo-agent"]').waitFor();
    await shot(admin, "fleet-demo-agent");
    await admin.goto("/decisions");
    await admin.waitForLoadState("networkidle");
    await shot(admin, "decisions-demo-agent");
    await admin.goto("/");
    const decisions = await inPage<{ items: Array<{ revisions: string[] }> }>(admin, "/api/v1/decisions?limit=50");
    expect(decisions.items.some((d) => d.revisions.some((r) => r.endsWith("r1")))).toBe(true);

    // The checklist can be dismissed, and brought back.
    await admin.getByRole("button", { name: "Dismiss" }).click();
    await admin.getByRole("button", { name: "Show the getting-started checklist" }).waitFor();

    // Stopping the demo agent leaves nothing running and revokes its credential.
    await admin.goto("/fleet");
    await admin.getByRole("button", { name: "Stop demo agent" }).click();
    await admin.getByRole("button", { name: "Start a demo agent" }).waitFor();
    expect(alive(demoAgentPid!)).toBe(false);
    const credentials = await inPage<{ items: Array<{ name: string; revokedAt: string | null }> }>(
      admin,
      "/api/v1/agent-credentials",
    );
    expect(credentials.items.filter((c) => c.name.startsWith("demo agent")).map((c) => c.revokedAt !== null)).toEqual([
      true,
    ]);

    // Started again, it ends with the server (afterAll stops the app, then checks the process is gone).
    demoAgentPid = (await inPage<{ pid: number | null }>(admin, "/api/v1/fleet/demo-agent", { body: { minutes: 1 } }))
      .pid;
    expect(alive(demoAgentPid!)).toBe(true);
  }, 300_000);
});
