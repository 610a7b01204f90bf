import { db, onCloseDb } from "@/lib/core/db";
import { logger } from "@/lib/core/logger";
import { subscribe } from "@/lib/core/pg-listener";
import { DeadlineWheel } from "@/lib/core/deadline-wheel";
import { assignedRevision } from "@/lib/bundles/assigned-revision";

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

/**
 * A staged rollout of the bundle (lib/rollouts/): while it runs, agents whose credential is in
 * `members` get `canary`, every other agent `baseline`; aborted, every agent gets `baseline`.
 * It applies only while `canary` is the bundle's newest revision (a later publish supersedes it).
 */
export type ServedRollout = {
  id: string;
  state: "running" | "aborted";
  baseline: ServedRevision;
  canary: ServedRevision;
  members: ReadonlySet<string>;
};

type Waiter = {
  etag: string;
  credentialId: string | null;
  entry: Entry;
  resolve: (revision: ServedRevision | null) => void;
  settled: boolean;
};
type Entry = { current: ServedRevision | null; rollout: ServedRollout | null; waiters: Set<Waiter> };
/** Called with the bundle's name whenever what it serves may have changed (a revision, a rollout step). */
type RevisionListener = (bundle: string) => void;

type CacheState = {
  entries: Map<string, Entry>;
  started: Promise<void> | null;
  /** Whether the first load is done, so that memory reads answer for every bundle. */
  loaded: boolean;
  timer: NodeJS.Timeout | null;
};

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
    holder.__verdictBundleCache = { entries: new Map(), started: null, loaded: false, timer: null };
    onCloseDb(async () => stopBundleCache());
  }
  return holder.__verdictBundleCache;
}

function entry(name: string): Entry {
  const s = state();
  let e = s.entries.get(name);
  if (!e) {
    e = { current: null, rollout: null, waiters: new Set() };
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
    await subscribe(
      "verdict_bundle_rollouts",
      (payload) => void onRolloutNotify(payload),
      () => void reloadAll().catch(() => {}),
    );
    await reloadAll();
    s.loaded = true;
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
 * The revision an agent presenting this credential gets: the newest, or during a rollout the
 * baseline or canary (see ServedRollout). Null if none is published.
 */
export async function servedRevisionFor(name: string, credentialId: string | null): Promise<ServedRevision | null> {
  await servedRevision(name);
  return servedRevisionNow(name, credentialId);
}

/** Whether servedRevisionNow answers for every bundle (the cache has loaded), so nothing need wait. */
export function bundleCacheLoaded(): boolean {
  return holder.__verdictBundleCache?.loaded ?? false;
}

/** servedRevisionFor from memory only (the agent plane, answering a held poll). */
export function servedRevisionNow(name: string, credentialId: string | null): ServedRevision | null {
  const e = state().entries.get(name);
  return e ? revisionOf(e, credentialId) : null;
}

function revisionOf(e: Entry, credentialId: string | null): ServedRevision | null {
  return assignedRevision(e.current, e.rollout, credentialId);
}

/**
 * Resolves with the bundle's revision for this credential as soon as its ETag differs from
 * `etag`, or with null when `ms` pass (or the client goes away) first.
 */
export function waitForNewRevision(
  name: string,
  etag: string,
  ms: number,
  signal?: AbortSignal,
  credentialId: string | null = null,
): Promise<ServedRevision | null> {
  const e = entry(name);
  const now = revisionOf(e, credentialId);
  if (now && now.etag !== etag) return Promise.resolve(now);
  return new Promise((resolve) => {
    const waiter: Waiter = { etag, credentialId, entry: e, resolve, settled: false };
    e.waiters.add(waiter);
    timeouts.add(waiter, Date.now() + ms);
    signal?.addEventListener("abort", () => settle(waiter), { once: true });
  });
}

function settle(waiter: Waiter): void {
  if (waiter.settled) return;
  waiter.settled = true;
  waiter.entry.waiters.delete(waiter);
  const current = revisionOf(waiter.entry, waiter.credentialId);
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

/** Installs a newer revision and/or the bundle's rollout, then wakes whoever waits for the bundle. */
function install(revision: ServedRevision | null, rollout: ServedRollout | null | undefined, name: string): void {
  const e = entry(name);
  let changed = false;
  if (revision && !(e.current && e.current.number >= revision.number)) {
    e.current = revision;
    changed = true;
  }
  if (rollout !== undefined && !sameRollout(e.rollout, rollout)) {
    e.rollout = rollout;
    changed = true;
  }
  if (!changed) return;
  for (const waiter of [...e.waiters]) if (revisionOf(e, waiter.credentialId)?.etag !== waiter.etag) settle(waiter);
  for (const listener of listeners) {
    try {
      listener(name);
    } catch (error) {
      log.error({ err: error, bundle: name }, "a new-revision listener failed");
    }
  }
}

function sameRollout(a: ServedRollout | null, b: ServedRollout | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.id !== b.id || a.state !== b.state || a.members.size !== b.members.size) return false;
  for (const m of a.members) if (!b.members.has(m)) return false;
  return true;
}

const ROLLOUT_COLUMNS = {
  id: true,
  state: true,
  canaryCredentialIds: true,
  bundle: { select: { name: true } },
  baselineRevision: { select: { id: true, number: true, revision: true, etag: true, bytes: true } },
  canaryRevision: { select: { id: true, number: true, revision: true, etag: true, bytes: true } },
} as const;

type RolloutRow = {
  id: string;
  state: "running" | "promoted" | "aborted";
  canaryCredentialIds: string[];
  bundle: { name: string };
  baselineRevision: Omit<ServedRevision, "bundle">;
  canaryRevision: Omit<ServedRevision, "bundle">;
};

function servedRollout(row: RolloutRow | null): ServedRollout | null {
  if (!row || row.state === "promoted") return null;
  const name = row.bundle.name;
  return {
    id: row.id,
    state: row.state,
    baseline: { bundle: name, ...row.baselineRevision },
    canary: { bundle: name, ...row.canaryRevision },
    members: new Set(row.canaryCredentialIds),
  };
}

/**
 * The bundle's newest rollout as served, given the bundle's newest revision: null when there is
 * none, it was promoted, or a later publish superseded it (its bytes are then not read at all).
 */
async function loadRollout(bundle: string, newestRevisionId: string | undefined): Promise<ServedRollout | null> {
  const head = await db.bundleRollout.findFirst({
    where: { bundle: { name: bundle } },
    orderBy: { createdAt: "desc" },
    select: { id: true, state: true, canaryRevisionId: true },
  });
  if (!head || head.state === "promoted" || head.canaryRevisionId !== newestRevisionId) return null;
  return servedRollout(await db.bundleRollout.findUnique({ where: { id: head.id }, select: ROLLOUT_COLUMNS }));
}

async function onRolloutNotify(bundle: string): Promise<void> {
  try {
    install(null, await loadRollout(bundle, state().entries.get(bundle)?.current?.id), bundle);
  } catch (error) {
    log.warn({ err: error, bundle }, "loading a rollout failed; reloading all bundles");
    await reloadAll();
  }
}

/** After a rollout step in this process: install at once rather than waiting for the NOTIFY round trip. */
export async function refreshServedRollout(bundle: string): Promise<void> {
  if (!state().started) return;
  await onRolloutNotify(bundle);
}

async function onNotify(payload: string): Promise<void> {
  const [bundle, id] = payload.split(":");
  if (!bundle || !id) return;
  try {
    const row = await db.bundleRevision.findUnique({
      where: { id },
      select: SERVED_COLUMNS,
    });
    if (!row) return;
    // The rollout a publish starts commits with its revision: both are installed at once. A late
    // notification for an older revision must not judge the rollout against that older one.
    const current = state().entries.get(bundle)?.current;
    const newestId = current && current.number >= row.number ? current.id : row.id;
    installRow(row, await loadRollout(bundle, newestId));
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

function installRow(
  row: {
    id: string;
    number: number;
    revision: string;
    etag: string;
    bytes: Uint8Array;
    bundle: { name: string };
  },
  rollout?: ServedRollout | null,
): void {
  install(
    {
      bundle: row.bundle.name,
      id: row.id,
      number: row.number,
      revision: row.revision,
      etag: row.etag,
      bytes: row.bytes,
    },
    rollout,
    row.bundle.name,
  );
}

// Prisma's `distinct` filters in memory after reading every row (bytes included), so the newest
// row per bundle is found with PostgreSQL's DISTINCT ON, and only those rows are then read.
async function newestRevisionIds(): Promise<string[]> {
  const rows = await db.$queryRaw<Array<{ id: string }>>`
    SELECT DISTINCT ON (bundle_id) id::text AS id FROM bundle_revisions ORDER BY bundle_id, number DESC`;
  return rows.map((r) => r.id);
}

async function newestRolloutIds(): Promise<string[]> {
  const rows = await db.$queryRaw<Array<{ id: string }>>`
    SELECT DISTINCT ON (bundle_id) id::text AS id FROM bundle_rollouts ORDER BY bundle_id, created_at DESC`;
  return rows.map((r) => r.id);
}

/** Loads the newest revision of every bundle (start-up and reconnect). */
async function reloadAll(): Promise<void> {
  try {
    const rows = await db.bundleRevision.findMany({
      where: { id: { in: await newestRevisionIds() } },
      select: SERVED_COLUMNS,
    });
    const rollouts = await db.bundleRollout.findMany({
      where: { id: { in: await newestRolloutIds() }, state: { not: "promoted" } },
      select: ROLLOUT_COLUMNS,
    });
    const rolloutOf = new Map(rollouts.map((r) => [r.bundle.name, servedRollout(r)]));
    for (const row of rows) installRow(row, rolloutOf.get(row.bundle.name) ?? null);
  } catch (error) {
    log.warn({ err: error }, "reloading bundle revisions failed; serving what is in memory");
    if (!state().entries.size) throw error;
  }
}

/** The safety net: compares revision numbers (no bytes) and loads only what changed. */
async function reloadChanged(): Promise<void> {
  try {
    const heads = await db.bundleRevision.findMany({
      where: { id: { in: await newestRevisionIds() } },
      select: { id: true, number: true, bundle: { select: { name: true } } },
    });
    for (const head of heads) {
      const current = state().entries.get(head.bundle.name)?.current;
      if (!current || current.number < head.number) await onNotify(`${head.bundle.name}:${head.id}`);
    }
    const rollouts = await db.bundleRollout.findMany({
      where: { id: { in: await newestRolloutIds() } },
      select: {
        id: true,
        state: true,
        canaryRevisionId: true,
        canaryCredentialIds: true,
        bundle: { select: { name: true } },
      },
    });
    for (const r of rollouts) {
      const e = state().entries.get(r.bundle.name);
      const served = e?.rollout ?? null;
      const applies = r.state !== "promoted" && r.canaryRevisionId === e?.current?.id;
      const want = applies ? `${r.id}:${r.state}:${[...r.canaryCredentialIds].sort()}` : null;
      const have = served && `${served.id}:${served.state}:${[...served.members].sort()}`;
      if (want !== have) await onRolloutNotify(r.bundle.name);
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
