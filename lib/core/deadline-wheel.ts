/**
 * Deadlines for many waiting things at once (held long polls), with one interval for all of
 * them instead of a setTimeout each: an item goes into the bucket of the tick its deadline falls
 * in, and every tick hands the items of the buckets now due to `onDue`, which decides what is
 * still waiting (an item settled earlier is simply skipped there; nothing is removed early).
 * An item is due at most one tick after its deadline, never before it. The interval runs only
 * while some bucket is not empty, and never keeps the process alive.
 */
export class DeadlineWheel<T> {
  private readonly buckets = new Map<number, T[]>();
  private timer: NodeJS.Timeout | null = null;
  private swept: number;

  constructor(
    private readonly onDue: (item: T) => void,
    private readonly tickMs = 100,
  ) {
    this.swept = Math.floor(Date.now() / tickMs);
  }

  add(item: T, deadline: number): void {
    // Idle (no buckets): catch up with the clock rather than sweep every empty tick since.
    if (!this.timer) this.swept = Math.max(this.swept, Math.floor(Date.now() / this.tickMs));
    const tick = Math.max(Math.ceil(deadline / this.tickMs), this.swept + 1);
    const bucket = this.buckets.get(tick);
    if (bucket) bucket.push(item);
    else this.buckets.set(tick, [item]);
    if (!this.timer) {
      this.timer = setInterval(() => this.sweep(), this.tickMs);
      this.timer.unref();
    }
  }

  /** How many items are in buckets (settled ones included, until their tick passes). */
  get size(): number {
    let n = 0;
    for (const bucket of this.buckets.values()) n += bucket.length;
    return n;
  }

  /** Hands every item still in a bucket to `onDue` now (shutdown) and stops the interval. */
  drain(): void {
    const all = [...this.buckets.values()].flat();
    this.buckets.clear();
    this.stop();
    for (const item of all) this.onDue(item);
  }

  private sweep(): void {
    const now = Math.floor(Date.now() / this.tickMs);
    for (let tick = this.swept + 1; tick <= now; tick++) {
      const bucket = this.buckets.get(tick);
      if (!bucket) continue;
      this.buckets.delete(tick);
      for (const item of bucket) this.onDue(item);
    }
    this.swept = Math.max(this.swept, now);
    if (this.buckets.size === 0) this.stop();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
