import { db, onCloseDb } from "@/lib/core/db";
import { logger } from "@/lib/core/logger";
import { subscribe } from "@/lib/core/pg-listener";
import { DeadlineWheel } from "@/lib/core/deadline-wheel";

/**
 * The current revision of every bundle, bytes included, in memory: the bundle endpoint answers
 * from here and never from the database. A publish commits with NOTIFY
 * verdict_bundle_revisions '<bundle>:<revision id>'; every instance loads that one revision and
 * wakes the agents long-polling for it. Reconnects reload everything, and a cheap check every
 * 30 s catches anything missed.
 */
export type ServedRevision = {
  bundle: string;
  id: string;
  number: number;
  revision: string;
  etag: string;
  bytes: Uint8Array;
};

type Waiter = { etag: string; entry: Entry; resolve: (revision: ServedRevision | null) => void; settled: boolean };
type Entry = { current: ServedRevision | null; waiters: Set<Waiter> };
type RevisionListener = (revision: ServedRevision) => void;

type CacheState = { entries: Map<string, Entry>; started: Promise<void> | null; timer: NodeJS.Timeout | null };

const SAFETY_REFRESH_MS = 30_000;
const log = logger.child({ component: "bundle-cache" });
const holder = globalThis as typeof globalThis & {
  __verdictBundleCache?: CacheState;
  __verdictBundleListeners?: Set<RevisionListener>;
};
const listeners = (holder.__verdictBundleListeners ??= new Set());
// One interval for every waiter's timeout, not a setTimeout each.
const timeouts = new DeadlineWheel<Waiter>((waiter) => settle(waiter));

function state(): CacheState {
  if (!holder.__verdictBundleCache) {
    holder.__verdictBundleCache = { entries: new Map(), started: null, timer: null };
    onCloseDb(async () => stopBundleCache());
  }
  return holder.__verdictBundleCache;
}

function entry(name: string): Entry {
  const s = state();
  let e = s.entries.get(name);
  if (!e) {
    e = { current: null, waiters: new Set() };
    s.entries.set(name, e);
  }
  return e;
}

export function startBundleCache(): Promise<void> {
  const s = state();
  s.started ??= (async () => {
    await subscribe(
      "verdict_bundle_revisions",
      (payload) => void onNotify(payload),
      () => void reloadAll().catch(() => {}),
    );
    await reloadAll();
    s.timer = setInterval(() => void reloadChanged(), SAFETY_REFRESH_MS);
    s.timer.unref();
  })().catch((error: unknown) => {
    s.started = null;
    throw error;
  });
  return s.started;
}

/** The revision to serve for a bundle (memory read once started), or null if none is published. */
export async function servedRevision(name: string): Promise<ServedRevision | null> {
  const s = state();
  if (!s.started) await startBundleCache();
  else await s.started;
  return s.entries.get(name)?.current ?? null;
}

/**
 * Resolves with the bundle's revision as soon as its ETag differs from `etag`, or with null when
 * `ms` pass (or the client goes away) first.
 */
export function waitForNewRevision(
  name: string,
  etag: string,
  ms: number,
  signal?: AbortSignal,
): Promise<ServedRevision | null> {
  const e = entry(name);
  if (e.current && e.current.etag !== etag) return Promise.resolve(e.current);
  return new Promise((resolve) => {
    const waiter: Waiter = { etag, entry: e, resolve, settled: false };
    e.waiters.add(waiter);
    timeouts.add(waiter, Date.now() + ms);
    signal?.addEventListener("abort", () => settle(waiter), { once: true });
  });
}

function settle(waiter: Waiter): void {
  if (waiter.settled) return;
  waiter.settled = true;
  waiter.entry.waiters.delete(waiter);
  const current = waiter.entry.current;
  waiter.resolve(current && current.etag !== waiter.etag ? current : null);
}

/**
 * Calls `listener` with every revision this process installs from now on (the agent plane hands
 * it to the long polls it holds itself). Returns the unsubscribe function.
 */
export function onNewRevision(listener: RevisionListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function install(revision: ServedRevision): void {
  const e = entry(revision.bundle);
  if (e.current && e.current.number >= revision.number) return;
  e.current = revision;
  for (const waiter of [...e.waiters]) settle(waiter);
  for (const listener of listeners) {
    try {
      listener(revision);
    } catch (error) {
      log.error({ err: error, bundle: revision.bundle }, "a new-revision listener failed");
    }
  }
}

async function onNotify(payload: string): Promise<void> {
  const [bundle, id] = payload.split(":");
  if (!bundle || !id) return;
  try {
    const row = await db.bundleRevision.findUnique({
      where: { id },
      select: SERVED_COLUMNS,
    });
    if (row) installRow(row);
  } catch (error) {
    log.warn({ err: error, bundle }, "loading a new revision failed; reloading all bundles");
    await reloadAll();
  }
}

const SERVED_COLUMNS = {
  id: true,
  number: true,
  revision: true,
  etag: true,
  bytes: true,
  bundle: { select: { name: true } },
} as const;

function installRow(row: {
  id: string;
  number: number;
  revision: string;
  etag: string;
  bytes: Uint8Array;
  bundle: { name: string };
}): void {
  install({
    bundle: row.bundle.name,
    id: row.id,
    number: row.number,
    revision: row.revision,
    etag: row.etag,
    bytes: row.bytes,
  });
}

/** Loads the newest revision of every bundle (start-up and reconnect). */
async function reloadAll(): Promise<void> {
  try {
    const rows = await db.bundleRevision.findMany({
      distinct: ["bundleId"],
      orderBy: [{ bundleId: "asc" }, { number: "desc" }],
      select: SERVED_COLUMNS,
    });
    for (const row of rows) installRow(row);
  } catch (error) {
    log.warn({ err: error }, "reloading bundle revisions failed; serving what is in memory");
    if (!state().entries.size) throw error;
  }
}

/** The safety net: compares revision numbers (no bytes) and loads only what changed. */
async function reloadChanged(): Promise<void> {
  try {
    const heads = await db.bundleRevision.findMany({
      distinct: ["bundleId"],
      orderBy: [{ bundleId: "asc" }, { number: "desc" }],
      select: { id: true, number: true, bundle: { select: { name: true } } },
    });
    for (const head of heads) {
      const current = state().entries.get(head.bundle.name)?.current;
      if (!current || current.number < head.number) await onNotify(`${head.bundle.name}:${head.id}`);
    }
  } catch (error) {
    log.warn({ err: error }, "checking for missed bundle revisions failed");
  }
}

/** After a publish in this process: install at once rather than waiting for the NOTIFY round trip. */
export async function refreshServedBundles(names: string[]): Promise<void> {
  if (!state().started || names.length === 0) return;
  await reloadChanged();
}

export function stopBundleCache(): void {
  const s = holder.__verdictBundleCache;
  if (!s) return;
  if (s.timer) clearInterval(s.timer);
  for (const e of s.entries.values()) for (const waiter of [...e.waiters]) settle(waiter);
  holder.__verdictBundleCache = undefined;
}
