import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/core/errors";
import { decodeTimeIdCursor, encodeTimeIdCursor } from "@/lib/core/time-id-cursor";

describe("time-id cursors", () => {
  it("round-trips a time and an id", () => {
    const at = new Date("2026-12-06T10:02:03.456Z");
    const id = "0b6f7c1e-5d0a-4d0e-9c55-3f8f1c2a9b10";
    expect(decodeTimeIdCursor(encodeTimeIdCursor(at, id))).toEqual({ at, id });
  });

  it("refuses a cursor it did not make, naming query.cursor", () => {
    for (const bad of [
      "garbage",
      Buffer.from("not-a-date|x").toString("base64url"),
      Buffer.from(`${new Date().toISOString()}|1; drop`).toString("base64url"),
    ]) {
      const error = (() => {
        try {
          decodeTimeIdCursor(bad);
          return null;
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe("validation_failed");
    }
  });
});
