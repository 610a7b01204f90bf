import { describe, expect, it } from "vitest";
import { DeadlineWheel } from "@/lib/core/deadline-wheel";

describe("DeadlineWheel", () => {
  it("hands each item over once, in deadline order, never before its deadline", async () => {
    const due: Array<{ name: string; deadline: number; at: number }> = [];
    const wheel = new DeadlineWheel<{ name: string; deadline: number }>(
      (item) => due.push({ ...item, at: Date.now() }),
      20,
    );
    const now = Date.now();
    const items = [
      { name: "late", deadline: now + 150 },
      { name: "early", deadline: now + 30 },
      { name: "past", deadline: now - 1000 },
      { name: "middle", deadline: now + 90 },
    ];
    for (const item of items) wheel.add(item, item.deadline);
    expect(wheel.size).toBe(4);
    while (due.length < items.length) await new Promise((r) => setTimeout(r, 10));
    expect(due.map((d) => d.name)).toEqual(["past", "early", "middle", "late"]);
    for (const d of due) expect(d.at).toBeGreaterThanOrEqual(d.deadline);
    expect(wheel.size).toBe(0);
  });

  it("hands everything over at once when drained", () => {
    const due: string[] = [];
    const wheel = new DeadlineWheel<string>((item) => due.push(item), 50);
    wheel.add("a", Date.now() + 60_000);
    wheel.add("b", Date.now() + 1_000);
    wheel.drain();
    expect(due.sort()).toEqual(["a", "b"]);
    expect(wheel.size).toBe(0);
  });
});
