import { describe, expect, it } from "vitest";
import { uuidFromName } from "@/lib/core/sha256";

describe("uuidFromName", () => {
  it("gives the same version-8 UUID for the same name, and another for another name", () => {
    const id = uuidFromName("allowlist-change-set:1:0");
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidFromName("allowlist-change-set:1:0")).toBe(id);
    expect(uuidFromName("allowlist-change-set:1:1")).not.toBe(id);
  });
});
