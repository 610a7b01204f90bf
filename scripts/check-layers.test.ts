import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { LAYERS } from "@/lib/layers";
import { checkLayers, findCycle, layerOf } from "./check-layers";

const ROOT = path.resolve(import.meta.dirname, "..");

describe("check:layers", () => {
  it("puts a file in the longest folder LAYERS names, and lib/'s top level in boot", () => {
    expect(layerOf("agents/fleet.ts")).toBe("agents");
    expect(layerOf("agents/plane/agent-router.ts")).toBe("agents/plane");
    expect(layerOf("boot.ts")).toBe("boot");
    expect(layerOf("nowhere/thing.ts")).toBeNull();
  });

  it("finds a cycle in an allowed graph, and none in a DAG", () => {
    expect(findCycle({ a: ["b"], b: ["c"], c: [] })).toBeNull();
    expect(findCycle({ a: ["b"], b: ["c"], c: ["a"] })).toEqual(["a", "b", "c", "a"]);
    expect(findCycle({ a: ["a"] })).toEqual(["a", "a"]);
  });

  it("passes on the tree as it is: no forbidden import, no cycle", () => {
    const { violations, cycle } = checkLayers();
    expect(violations).toEqual([]);
    expect(cycle).toBeNull();
  });
});

describe("docs/architecture.md", () => {
  const doc = readFileSync(path.join(ROOT, "docs", "architecture.md"), "utf8");

  it("names every folder of lib/ and every layer of lib/layers.ts", () => {
    const folders = readdirSync(path.join(ROOT, "lib"), { withFileTypes: true })
      .filter((e) => e.isDirectory() && e.name !== "generated")
      .map((e) => e.name);
    const layers = Object.keys(LAYERS).filter((l) => l !== "generated" && l !== "boot");
    const unnamed = [...new Set([...folders, ...layers])].filter((name) => !doc.includes(`\`${name}\``));
    expect(unnamed).toEqual([]);
  });

  it("names only files that exist", () => {
    const named = [...doc.matchAll(/`((?:lib|app|scripts)\/[^`\s*]+\.(?:ts|tsx|mjs))`/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(10);
    const missing = named.filter((file) => {
      try {
        readFileSync(path.join(ROOT, file));
        return false;
      } catch {
        return true;
      }
    });
    expect(missing).toEqual([]);
  });
});
