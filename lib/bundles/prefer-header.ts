/**
 * The long-poll wait OPA asks for, in seconds, or null. OPA sends
 * `Prefer: modes=snapshot,delta;wait=30`: the `;` binds `wait` to the last preference, so
 * splitting on `,` first would find `delta;wait=30`. Several Prefer headers arrive joined with
 * ", ". Any `wait` token, after start, `,` or `;`, counts.
 */
export function preferredWaitSeconds(prefer: string | null, maxSeconds: number): number | null {
  if (!prefer) return null;
  let wait: number | null = null;
  for (const match of prefer.matchAll(/(?:^|[;,])\s*wait\s*=\s*"?(\d{1,6})"?\s*(?=$|[;,])/gi)) {
    wait = Number(match[1]);
  }
  if (wait === null || wait < 1) return null;
  return Math.min(wait, maxSeconds);
}
