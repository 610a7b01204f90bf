import pg from "pg";
import { env } from "@/lib/core/env";
import { logger } from "@/lib/core/logger";
import { onCloseDb, type Tx } from "@/lib/core/db";

/**
 * One LISTEN connection per process, shared by every in-memory cache (agent credentials, bundle
 * revisions). Postgres is the only coordination channel between app instances: a change commits
 * with a NOTIFY in the same transaction, and every instance's listener hears it at commit.
 *
 * Notifications sent while the connection is down are lost, so on every (re)connect each
 * subscriber's `resync` runs and reloads its state from the database.
 */
export type Channel = "verdict_agent_credentials" | "verdict_bundle_revisions" | "verdict_bundle_rollouts";

type Subscriber = { channel: Channel; onNotify: (payload: string) => void; resync: () => void };

type ListenerState = {
  client: pg.Client | null;
  connecting: Promise<void> | null;
  subscribers: Set<Subscriber>;
  listening: Set<Channel>;
  /** LISTENs on the open connection run one after another: a pg client takes one query at a time. */
  listenQueue: Promise<void>;
  retryMs: number;
  retryTimer: NodeJS.Timeout | null;
  failedAttempts: number;
  stopped: boolean;
};

// Reconnect quickly and keep trying often: while this connection is down, publishes made on other
// instances reach this one only at the reconnect (resync). A refused connection costs next to
// nothing, so after an outage the instance catches up within half a second of Postgres returning.
const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 500;
const CONNECT_TIMEOUT_MS = 5_000;
const LOG_EVERY_ATTEMPTS = 120;

const log = logger.child({ component: "pg-listener" });
const holder = globalThis as typeof globalThis & { __verdictListener?: ListenerState };

function state(): ListenerState {
  if (!holder.__verdictListener) {
    holder.__verdictListener = {
      client: null,
      connecting: null,
      subscribers: new Set(),
      listening: new Set(),
      listenQueue: Promise.resolve(),
      retryMs: RETRY_FIRST_MS,
      retryTimer: null,
      failedAttempts: 0,
      stopped: false,
    };
    onCloseDb(stopListener);
  }
  return holder.__verdictListener;
}

/** Subscribes to a channel; resolves once the LISTEN is in place (so no later change is missed). */
export async function subscribe(
  channel: Channel,
  onNotify: (payload: string) => void,
  resync: () => void,
): Promise<() => void> {
  const s = state();
  s.stopped = false;
  const subscriber: Subscriber = { channel, onNotify, resync };
  s.subscribers.add(subscriber);
  await ensureConnected();
  const client = s.client;
  if (client && !s.listening.has(channel)) {
    const listen = s.listenQueue.then(async () => {
      if (s.client !== client || s.listening.has(channel)) return;
      await client.query(`LISTEN ${channel}`);
      s.listening.add(channel);
    });
    s.listenQueue = listen.catch(() => {});
    await listen;
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
  // A bounded connect: an unreachable host must not leave the reconnect loop waiting on the OS timeout.
  const client = new pg.Client({
    connectionString: env().DATABASE_URL,
    keepAlive: true,
    application_name: "verdict-listener",
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
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
  const channels = new Set([...s.subscribers].map((sub) => sub.channel));
  try {
    await client.connect();
    for (const channel of channels) await client.query(`LISTEN ${channel}`);
  } catch (error) {
    client.end().catch(() => {});
    throw error;
  }
  s.listening = channels;
  if (s.failedAttempts > 0) log.info({ failedAttempts: s.failedAttempts }, "the LISTEN connection is back");
  s.failedAttempts = 0;
  s.client = client;
  s.retryMs = RETRY_FIRST_MS;
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
        s.failedAttempts += 1;
        // Retries are frequent; one line when it starts failing and then one a minute is enough.
        if (s.failedAttempts === 1 || s.failedAttempts % LOG_EVERY_ATTEMPTS === 0) {
          log.warn(
            { err: error, failedAttempts: s.failedAttempts },
            "reconnecting the LISTEN connection failed; retrying",
          );
        }
        s.retryMs = Math.min(s.retryMs * 2, RETRY_MAX_MS);
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
