import { describe, expect, it } from "vitest";
import { preferredWaitSeconds } from "@/lib/bundles/prefer-header";

describe("preferredWaitSeconds", () => {
  it.each([
    ["modes=snapshot,delta;wait=30", 30],
    ["modes=snapshot,delta", null],
    ["wait=5", 5],
    ["modes=snapshot,delta; wait=7", 7],
    ["respond-async, wait=12", 12],
    ['modes=snapshot;wait="9"', 9],
    ["modes=snapshot,delta;wait=0", null],
    ["modes=snapshot,delta;wait=abc", null],
    ["modes=snapshot,delta;nowait=30", null],
    ["modes=snapshot,delta;wait=100000", 300],
    [null, null],
    ["", null],
  ])("reads %j as %j", (header, expected) => {
    expect(preferredWaitSeconds(header, 300)).toBe(expected);
  });
});
