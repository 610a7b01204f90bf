import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadOrCreateLocalSecrets } from "./local-secrets";
import { assertDataDirUsable, assertPortFree } from "./startup-checks";
import { asStartupProblem, describeStartupFailure, StartupProblem } from "./startup-problem";

const scratch = mkdtempSync(path.join(os.tmpdir(), "verdict-startup-problem-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const oneLine = (line: string) => {
  expect(line.split("\n")).toHaveLength(1);
  expect(line).not.toMatch(/\bat .+:\d+:\d+/);
};

describe("describeStartupFailure", () => {
  it("says a full disk in one line, whether Node, PostgreSQL or a child process reports it", () => {
    const node = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", path: "/x/y" });
    const postgres = Object.assign(new Error("could not extend file"), { code: "53100" });
    const child = new Error("initdb: error: could not write file: No space left on device");
    for (const error of [node, postgres, child, new Error("wrapped", { cause: node })]) {
      const line = describeStartupFailure(error);
      oneLine(line);
      expect(line).toMatch(/^verdict: cannot start: the disk is full/);
      expect(asStartupProblem(error)?.kind).toBe("disk-full");
    }
    expect(describeStartupFailure(node)).toContain("(writing /x/y)");
  });

  it("keeps only the first line of an error it cannot name", () => {
    const line = describeStartupFailure(new Error("something odd\n    at frame (file.ts:1:2)"));
    oneLine(line);
    expect(line).toBe("verdict: start-up failed: something odd (set VERDICT_DEBUG=1 for details)");
  });

  it("prints a StartupProblem as its reason and its fix", () => {
    const problem = new StartupProblem("opa-unavailable", "OPA is missing", "set OPA_BIN");
    expect(describeStartupFailure(problem)).toBe("verdict: cannot start: OPA is missing; set OPA_BIN");
  });
});

describe("assertPortFree", () => {
  it("refuses a port something listens on, naming the port and PORT", async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const error = await assertPortFree(port, "localhost").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StartupProblem);
      expect((error as StartupProblem).kind).toBe("port-in-use");
      expect((error as StartupProblem).message).toContain(`port ${port} is already in use`);
      expect((error as StartupProblem).message).toContain("PORT=");
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
    await expect(assertPortFree(port, "localhost")).resolves.toBeUndefined();
  });
});

describe("the data folder", () => {
  it("is created when missing", () => {
    const dir = path.join(scratch, "fresh", ".data");
    assertDataDirUsable(dir);
    expect(loadOrCreateLocalSecrets(dir).masterKey).toBeTruthy();
  });

  it("is refused in one line when a file stands where it should be", () => {
    const file = path.join(scratch, "a-file");
    writeFileSync(file, "");
    const error = (() => {
      try {
        assertDataDirUsable(path.join(file, ".data"));
      } catch (e) {
        return e as StartupProblem;
      }
    })();
    expect(error?.kind).toBe("data-dir-unusable");
    expect(error?.message).toContain("VERDICT_DATA_DIR");
  });

  it("names a damaged secrets file instead of a JSON parse error", () => {
    const dir = path.join(scratch, "damaged");
    mkdirSync(dir);
    writeFileSync(path.join(dir, "secrets.json"), "{ not json");
    expect(() => loadOrCreateLocalSecrets(dir)).toThrow(/secrets\.json is damaged/);
  });
});
