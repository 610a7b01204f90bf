// CPU time used by process trees, read from /proc: a figure that, unlike throughput, does not
// depend on what else the machine is doing while a benchmark runs.
import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100;

function stat(pid: number): { ppid: number; cpuSeconds: number; reapedSeconds: number } | null {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name is in parentheses and may contain spaces: fields start after the last ")".
    const fields = raw.slice(raw.lastIndexOf(")") + 2).split(" ");
    return {
      ppid: Number(fields[1]),
      cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
      reapedSeconds: (Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND,
    };
  } catch {
    return null;
  }
}

/**
 * User + system CPU seconds of these processes and all their descendants: the living ones, and
 * (through the roots' reaped-children counters) those that already exited, such as the backends
 * of closed database connections.
 */
export function treeCpuSeconds(roots: number[]): number {
  const all = readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
  const parent = new Map<number, number>();
  const cpu = new Map<number, number>();
  for (const pid of all) {
    const s = stat(pid);
    if (s) {
      parent.set(pid, s.ppid);
      cpu.set(pid, s.cpuSeconds + (roots.includes(pid) ? s.reapedSeconds : 0));
    }
  }
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid; p && p > 1; p = parent.get(p)) if (roots.includes(p)) return true;
    return false;
  };
  let total = 0;
  for (const [pid, seconds] of cpu) if (inTree(pid)) total += seconds;
  return total;
}

/** These processes and all their living descendants. */
export function treePids(roots: number[]): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    const s = stat(Number(d));
    if (s) parent.set(Number(d), s.ppid);
  }
  return [...parent.keys()].filter((pid) => {
    for (let p: number | undefined = pid; p && p > 1; p = parent.get(p)) if (roots.includes(p)) return true;
    return false;
  });
}

/** Resident memory (KiB) of these processes and their descendants. */
export function treeRssKiB(roots: number[]): number {
  let total = 0;
  for (const pid of treePids(roots)) {
    try {
      total += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      // exited meanwhile
    }
  }
  return total;
}
