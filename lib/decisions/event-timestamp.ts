// OPA stamps events with RFC 3339 times carrying nanoseconds ("…T12:00:00.123456789Z"), while
// PostgreSQL keeps microseconds and JavaScript milliseconds. The timestamp is part of the
// idempotency key, so it is normalised once, here, to a canonical UTC string with exactly six
// fractional digits (truncated): a retried upload maps to the same key, and the UTC day used to
// pick the partition is computed from the same value PostgreSQL stores.

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|z|[+-]\d{2}:\d{2})$/;

export type EventTimestamp = {
  /** Canonical UTC form with microseconds, e.g. 2026-05-01T12:00:00.123456Z. */
  iso: string;
  /** Milliseconds since the epoch (for comparisons). */
  ms: number;
  /** The UTC day, YYYY-MM-DD: the partition the row lands in. */
  day: string;
};

export function parseEventTimestamp(value: string): EventTimestamp | null {
  const m = RFC3339.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac = "", zone] = m;
  const year = Number(y),
    month = Number(mo),
    day = Number(d),
    hour = Number(h),
    minute = Number(mi),
    second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
    return null;
  const micros = `${frac}000000`.slice(0, 6);
  let seconds = Date.UTC(year, month - 1, day, hour, minute, second) / 1000;
  // OPA stamps in UTC: then the canonical form is the text itself. This runs for every decision,
  // and `new Date` is slow on a Next.js server (the framework wraps the constructor).
  if (zone === "Z" || zone === "z") {
    if (year < 1970) return null;
    return {
      iso: `${y}-${mo}-${d}T${h}:${mi}:${s}.${micros}Z`,
      ms: seconds * 1000 + Math.floor(Number(micros) / 1000),
      day: `${y}-${mo}-${d}`,
    };
  }
  const sign = zone!.startsWith("-") ? -1 : 1;
  const [zh, zm] = zone!.slice(1).split(":").map(Number);
  if (zh! > 23 || zm! > 59) return null;
  seconds -= sign * (zh! * 3600 + zm! * 60);
  const utc = new Date(seconds * 1000);
  if (utc.getUTCFullYear() < 1970 || utc.getUTCFullYear() > 9999) return null;
  const base = utc.toISOString().slice(0, 19);
  return { iso: `${base}.${micros}Z`, ms: seconds * 1000 + Math.floor(Number(micros) / 1000), day: base.slice(0, 10) };
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
