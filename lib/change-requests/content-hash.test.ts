import { describe, expect, it } from "vitest";
import { changeRequestContentHash, type ItemContent } from "@/lib/change-requests/content-hash";

const item = (key: string, sha256: string): ItemContent => ({
  kind: "policy_version",
  key,
  versionId: `v-${key}`,
  sha256,
});

describe("changeRequestContentHash", () => {
  it("does not depend on item order", () => {
    expect(changeRequestContentHash([item("a", "1"), item("b", "2")])).toBe(
      changeRequestContentHash([item("b", "2"), item("a", "1")]),
    );
  });

  it("changes when any pinned content changes, or an item is added or removed", () => {
    const base = changeRequestContentHash([item("a", "1"), item("b", "2")]);
    expect(changeRequestContentHash([item("a", "1"), item("b", "3")])).not.toBe(base);
    expect(changeRequestContentHash([item("a", "1")])).not.toBe(base);
    expect(changeRequestContentHash([item("a", "1"), item("b", "2"), { kind: "allowlist_change", key: "x" }])).not.toBe(
      base,
    );
  });

  it("is a hex SHA-256", () => {
    expect(changeRequestContentHash([item("a", "1")])).toMatch(/^[0-9a-f]{64}$/);
  });
});
