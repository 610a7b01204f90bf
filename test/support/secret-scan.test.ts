import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { findSecretsInLogs } from "@/test/support/secret-scan";

describe("the log scan that ends every test run", () => {
  it("finds secret-shaped strings and known secret values, and passes clean logs", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "scan-"));
    writeFileSync(path.join(dir, "clean.log"), '{"level":30,"msg":"request","status":200}\n');
    expect(findSecretsInLogs(dir, ["hunter2hunter2"])).toEqual([]);
    writeFileSync(
      path.join(dir, "leaky.log"),
      [
        '{"msg":"token vdt_AbCdEfGhIjKlMnOpQrStUvWxYz0123"}',
        '{"msg":"auth eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhZ2VudCJ9.sig"}',
        "-----BEGIN PRIVATE KEY-----",
        '{"msg":"login with hunter2hunter2"}',
      ].join("\n"),
    );
    expect(findSecretsInLogs(dir, ["hunter2hunter2"])).toEqual([
      "leaky.log:1: Verdict secret token",
      "leaky.log:2: JWT",
      "leaky.log:3: private key",
      "leaky.log:4: a known secret value",
    ]);
  });
});
