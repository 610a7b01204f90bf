import pg from "pg";
import { env } from "@/lib/env";
import { logger } from "@/lib/logger";
import { onCloseDb, type Tx } from "@/lib/db";

/**
 * One LISTEN connection per process, shared by every in-memory cache (agent credentials, bundle
 * revisions). Postgres is the only coordination channel between app instances: a change commits
 * with a NOTIFY in the same transaction, and every instance's listener hears it at commit.
 *
 * Notifications sent while the connection is down are lost, so on every (re)connect each
 * subscriber's `resync` runs and reloads its state from the database.
 */
export type Channel = "verdict_agent_credentials" | "verdict_bundle_revisions";

type Subscriber = { channel: Channel; onNotify: (payload: string) => void; resync: () => void };

type ListenerState = {
  client: pg.Client | null;
  connecting: Promise<void> | null;
  subscribers: Set<Subscriber>;
  listening: Set<Channel>;
  retryMs: number;
  retryTimer: NodeJS.Timeout | null;
  stopped: boolean;
};

const log = logger.child({ component: "pg-listener" });
const holder = globalThis as typeof globalThis & { __verdictListener?: ListenerState };

function state(): ListenerState {
  if (!holder.__verdictListener) {
    holder.__verdictListener = { client: null, connecting: null, subscribers: new Set(), listening: new Set(), retryMs: 250, retryTimer: null, stopped: false };
    onCloseDb(stopListener);
  }
  return holder.__verdictListener;
}

/** Subscribes to a channel; resolves once the LISTEN is in place (so no later change is missed). */
export async function subscribe(channel: Channel, onNotify: (payload: string) => void, resync: () => void): Promise<() => void> {
  const s = state();
  s.stopped = false;
  const subscriber: Subscriber = { channel, onNotify, resync };
  s.subscribers.add(subscriber);
  await ensureConnected();
  if (s.client && !s.listening.has(channel)) {
    await s.client.query(`LISTEN ${channel}`);
    s.listening.add(channel);
  }
  return () => s.subscribers.delete(subscriber);
}

/** Sends a notification that is delivered when (and only if) the transaction commits. */
export async function notifyInTransaction(tx: Tx, channel: Channel, payload: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_notify(${channel}, ${payload})`;
}

export function isListenerConnected(): boolean {
  return Boolean(holder.__verdictListener?.client);
}

async function ensureConnected(): Promise<void> {
  const s = state();
  if (s.client) return;
  s.connecting ??= connect().finally(() => {
    s.connecting = null;
  });
  try {
    await s.connecting;
  } catch (error) {
    scheduleReconnect();
    throw error;
  }
}

async function connect(): Promise<void> {
  const s = state();
  const client = new pg.Client({ connectionString: env().DATABASE_URL, keepAlive: true, application_name: "verdict-listener" });
  client.on("notification", (message) => {
    for (const sub of s.subscribers) {
      if (sub.channel === message.channel) runSafely(() => sub.onNotify(message.payload ?? ""));
    }
  });
  client.on("error", (error) => {
    log.warn({ err: error }, "the LISTEN connection failed; reconnecting");
    dropClient(client);
  });
  client.on("end", () => dropClient(client));
  await client.connect();
  const channels = new Set([...s.subscribers].map((sub) => sub.channel));
  for (const channel of channels) await client.query(`LISTEN ${channel}`);
  s.listening = channels;
  s.client = client;
  s.retryMs = 250;
}

function dropClient(client: pg.Client): void {
  const s = holder.__verdictListener;
  if (!s || s.client !== client) return;
  s.client = null;
  s.listening = new Set();
  client.end().catch(() => {});
  scheduleReconnect();
}

function scheduleReconnect(): void {
  const s = holder.__verdictListener;
  if (!s || s.stopped || s.retryTimer) return;
  s.retryTimer = setTimeout(() => {
    s.retryTimer = null;
    ensureConnected()
      .then(() => {
        for (const sub of s.subscribers) runSafely(sub.resync);
      })
      .catch((error: unknown) => {
        log.warn({ err: error, retryMs: s.retryMs }, "reconnecting the LISTEN connection failed");
        s.retryMs = Math.min(s.retryMs * 2, 5_000);
        scheduleReconnect();
      });
  }, s.retryMs);
  s.retryTimer.unref();
}

function runSafely(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    log.error({ err: error }, "a notification handler failed");
  }
}

export async function stopListener(): Promise<void> {
  const s = holder.__verdictListener;
  if (!s) return;
  holder.__verdictListener = undefined;
  s.stopped = true;
  if (s.retryTimer) clearTimeout(s.retryTimer);
  s.retryTimer = null;
  const client = s.client;
  s.client = null;
  s.listening = new Set();
  s.subscribers.clear();
  await client?.end().catch(() => {});
}
