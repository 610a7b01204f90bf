import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  CHROMIUM_PATH,
  missingSshPrerequisite,
  missingTestPrerequisite,
  SSH_PATHS,
} from "@/test/support/prerequisites";

const ROOT = path.resolve(import.meta.dirname, "..");

describe("test prerequisites", () => {
  it("names the missing Chromium and how to install it, in one line", () => {
    const line = missingTestPrerequisite("/nonexistent/chromium");
    expect(line).toContain("/nonexistent/chromium");
    expect(line).toContain("apt-get install -y chromium");
    expect(line).not.toContain("\n");
  });

  it("names missing OpenSSH binaries and the packages to install, in one line", () => {
    const line = missingSshPrerequisite({ sshd: "/nonexistent/sshd", ssh: SSH_PATHS.ssh });
    expect(line).toContain("/nonexistent/sshd");
    expect(line).not.toContain(SSH_PATHS.ssh);
    expect(line).toContain("apt-get install -y openssh-server openssh-client");
    expect(line).not.toContain("\n");
  });

  it("passes on this machine, which has Chromium at /usr/bin/chromium and OpenSSH", () => {
    expect(CHROMIUM_PATH).toBe("/usr/bin/chromium");
    expect(missingTestPrerequisite()).toBeNull();
    expect(missingSshPrerequisite()).toBeNull();
    const run = spawnSync(
      process.execPath,
      [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), "scripts/check-test-prerequisites.ts"],
      {
        cwd: ROOT,
        encoding: "utf8",
      },
    );
    expect(run.status).toBe(0);
    expect(run.stderr).toBe("");
  });
});
