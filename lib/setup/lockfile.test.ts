import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { findMissingOptionalEntries } from "@/lib/setup/lockfile";

describe("package-lock.json", () => {
  it("has an entry for every platform-specific optional dependency, so `npm ci` accepts it (run `npm run lockfile:fix`)", () => {
    const lock = JSON.parse(readFileSync("package-lock.json", "utf8"));
    expect(findMissingOptionalEntries(lock).map((m) => m.path)).toEqual([]);
  });

  it("derives platform and cpu from the package name", () => {
    const lock = {
      packages: {
        "node_modules/next": {
          optionalDependencies: { "@next/swc-win32-x64-msvc": "1.0.0", "@next/swc-linux-arm64-gnu": "1.0.0" },
        },
      },
    };
    expect(findMissingOptionalEntries(lock)).toEqual([
      {
        path: "node_modules/@next/swc-win32-x64-msvc",
        value: { version: "1.0.0", cpu: ["x64"], os: ["win32"], optional: true },
      },
      {
        path: "node_modules/@next/swc-linux-arm64-gnu",
        value: { version: "1.0.0", cpu: ["arm64"], os: ["linux"], optional: true },
      },
    ]);
  });
});
