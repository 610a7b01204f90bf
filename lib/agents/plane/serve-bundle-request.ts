// The bundle endpoint on the agent plane's hot path: GET/HEAD /api/opa/bundles/:name answered on
// Node's own request and response objects, from responses built once per revision. A long poll
// that has to wait costs its socket and one small record: no timer, promise or closure of its
// own. One interval (a DeadlineWheel) ends the polls whose wait is over with a 304; a publish
// hands the new revision to every poll waiting for that bundle, a few thousand per second, so
// that the fleet's next requests (status reports, the next long poll) arrive spread out rather
// than all at once. Anything unusual (no credential, an unknown bundle, a revoked agent) goes to
// the general path (serve-agent-plane.ts → agent-router.ts), which renders the problem document.
import type { IncomingMessage, ServerResponse } from "node:http";
import { DeadlineWheel } from "@/lib/core/deadline-wheel";
import { env } from "@/lib/core/env";
import { logger } from "@/lib/core/logger";
import { API_CONTENT_SECURITY_POLICY, SECURITY_HEADERS } from "@/lib/http/security-headers";
import {
  agentStillAuthorized,
  authenticateAgentAuthorization,
  authenticateAgentFromMemory,
  type AgentPrincipal,
} from "@/lib/agents/authenticate-agent";
import { BUNDLE_NAME_PATTERN } from "@/lib/bundles/bundle-names";
import {
  bundleCacheLoaded,
  onNewRevision,
  servedRevisionFor,
  servedRevisionNow,
  type ServedRevision,
} from "@/lib/bundles/bundle-cache";
import { preferredWaitSeconds } from "@/lib/bundles/prefer-header";
import { BUNDLE_CONTENT_TYPE, etagMatches, MAX_LONG_POLL_SECONDS } from "@/lib/bundles/serve-bundle";

/** Every agent-plane response carries these (the API's security headers). */
export const STATIC_HEADERS: Record<string, string> = Object.fromEntries([
  ...SECURITY_HEADERS.map((h) => [h.key.toLowerCase(), h.value]),
  ["content-security-policy", API_CONTENT_SECURITY_POLICY],
]);

/** Where a request the fast path does not answer goes: the general agent-plane path. */
export type SlowPath = (req: IncomingMessage, res: ServerResponse) => void;

type Prebuilt = { body: Buffer; ok: string[]; notModified: string[] };

type HeldPoll = {
  req: IncomingMessage;
  res: ServerResponse;
  bundle: string;
  /** The revision the agent has: a 304 names its ETag. */
  have: ServedRevision;
  principal: AgentPrincipal;
  slowPath: SlowPath;
  settled: boolean;
};

const WAKE_TICK_MS = 10;
const log = logger.child({ component: "agent-plane" });
const prebuilt = new WeakMap<ServedRevision, Prebuilt>();
const waiting = new Map<string, Set<HeldPoll>>();
const timeouts = new DeadlineWheel<HeldPoll>(timeOut);
const wakeQueue: HeldPoll[] = [];
let wakeHead = 0;
let wakePerTick = 0;
let wakeScheduled = false;

onNewRevision(wakeWaiting);

/**
 * GET or HEAD of a bundle. Answers 200 or 304 at once, or holds a long poll; leaves the request
 * to `slowPath` when it needs a problem document. Once the credential and bundle caches have
 * loaded, a request is answered without creating a promise (each costs under the framework's
 * async hooks, and a 304 is little else).
 */
export function serveBundleRequest(req: IncomingMessage, res: ServerResponse, name: string, slowPath: SlowPath): void {
  if (!BUNDLE_NAME_PATTERN.test(name)) {
    slowPath(req, res);
    return;
  }
  let principal: AgentPrincipal | undefined;
  try {
    principal = authenticateAgentFromMemory(req.headers.authorization, { bundle: name });
  } catch {
    slowPath(req, res);
    return;
  }
  if (!principal || !bundleCacheLoaded()) {
    void serveBundleRequestAfterLoading(req, res, name, slowPath);
    return;
  }
  try {
    // During a rollout the revision depends on the agent: its credential says which it gets.
    answerBundleRequest(req, res, name, principal, servedRevisionNow(name, principal.credentialId), slowPath);
  } catch (error) {
    answerFailed(res, error);
  }
}

/** serveBundleRequest before the caches have loaded, or for a JWT not verified before. */
async function serveBundleRequestAfterLoading(
  req: IncomingMessage,
  res: ServerResponse,
  name: string,
  slowPath: SlowPath,
): Promise<void> {
  let principal: AgentPrincipal;
  try {
    principal = await authenticateAgentAuthorization(req.headers.authorization, { bundle: name });
  } catch {
    return slowPath(req, res);
  }
  try {
    answerBundleRequest(req, res, name, principal, await servedRevisionFor(name, principal.credentialId), slowPath);
  } catch (error) {
    answerFailed(res, error);
  }
}

function answerFailed(res: ServerResponse, error: unknown): void {
  log.warn({ err: error }, "answering a bundle request failed");
  res.destroy();
}

function answerBundleRequest(
  req: IncomingMessage,
  res: ServerResponse,
  name: string,
  principal: AgentPrincipal,
  current: ServedRevision | null,
  slowPath: SlowPath,
): void {
  if (!current) {
    slowPath(req, res);
    return;
  }
  const ifNoneMatch = req.headers["if-none-match"];
  if (!ifNoneMatch || !etagMatches(ifNoneMatch, current.etag)) {
    writeBundle(res, current);
    return;
  }
  const prefer = req.headers.prefer; // Node joins repeated Prefer headers with ", "
  const wait = preferredWaitSeconds(typeof prefer === "string" ? prefer : null, MAX_LONG_POLL_SECONDS);
  if (wait === null) {
    writeNotModified(res, current);
    return;
  }
  const held: HeldPoll = { req, res, bundle: name, have: current, principal, slowPath, settled: false };
  let set = waiting.get(name);
  if (!set) waiting.set(name, (set = new Set()));
  set.add(held);
  timeouts.add(held, Date.now() + wait * 1000);
}

/** How many long polls this process holds (agents that went away included, until their wait ends). */
export function heldLongPolls(): number {
  let n = 0;
  for (const set of waiting.values()) n += set.size;
  return n;
}

function responsesOf(revision: ServedRevision): Prebuilt {
  let r = prebuilt.get(revision);
  if (!r) {
    const body = Buffer.from(revision.bytes.buffer, revision.bytes.byteOffset, revision.bytes.byteLength);
    const common = [
      ...Object.entries(STATIC_HEADERS).flat(),
      "content-type",
      BUNDLE_CONTENT_TYPE,
      "etag",
      revision.etag,
      "cache-control",
      "no-store, no-transform",
    ];
    r = { body, ok: [...common, "content-length", String(body.length)], notModified: common };
    prebuilt.set(revision, r);
  }
  return r;
}

function writeBundle(res: ServerResponse, revision: ServedRevision): void {
  const r = responsesOf(revision);
  res.writeHead(200, r.ok);
  res.end(r.body); // ignored by Node for HEAD, which gets the same headers
}

function writeNotModified(res: ServerResponse, revision: ServedRevision): void {
  res.writeHead(304, responsesOf(revision).notModified);
  res.end();
}

function gone(held: HeldPoll): boolean {
  const socket = held.res.socket;
  return !socket || socket.destroyed || held.res.destroyed || held.res.headersSent;
}

/**
 * Answers a held poll (a publish's revision, or a 304 when its wait is over), unless its agent
 * went away; an agent whose credential was revoked, expired or lost this bundle meanwhile gets
 * the general path's 401/403 instead (a long poll must not outlive its credential).
 */
function answer(held: HeldPoll, revision: ServedRevision, changed: boolean): void {
  if (gone(held)) return;
  try {
    if (!agentStillAuthorized(held.principal, { bundle: held.bundle })) held.slowPath(held.req, held.res);
    else if (changed) writeBundle(held.res, revision);
    else writeNotModified(held.res, revision);
  } catch (error) {
    log.warn({ err: error }, "answering a held long poll failed");
    held.res.destroy();
  }
}

function timeOut(held: HeldPoll): void {
  if (held.settled) return;
  held.settled = true;
  waiting.get(held.bundle)?.delete(held);
  answer(held, held.have, false);
}

/** What the bundle serves changed (a publish, a rollout step): wakes the polls whose revision differs now. */
function wakeWaiting(bundle: string): void {
  const set = waiting.get(bundle);
  if (!set || set.size === 0) return;
  for (const held of set) {
    const target = servedRevisionNow(bundle, held.principal.credentialId);
    if (!target || held.have.etag === target.etag) continue;
    held.settled = true;
    set.delete(held);
    wakeQueue.push(held);
  }
  const { VERDICT_LONG_POLL_WAKE_PER_SECOND: perSecond, VERDICT_LONG_POLL_WAKE_WINDOW_MS: windowMs } = env();
  const backlog = wakeQueue.length - wakeHead;
  wakePerTick = Math.max(
    wakePerTick,
    Math.ceil((perSecond * WAKE_TICK_MS) / 1000),
    Math.ceil((backlog * WAKE_TICK_MS) / Math.max(WAKE_TICK_MS, windowMs)),
  );
  if (!wakeScheduled) {
    wakeScheduled = true;
    setImmediate(wakeSome);
  }
}

/** One tick of a publish's fan-out: answers the next `wakePerTick` held polls. */
function wakeSome(): void {
  const end = Math.min(wakeQueue.length, wakeHead + wakePerTick);
  for (; wakeHead < end; wakeHead++) {
    const held = wakeQueue[wakeHead]!;
    // The revision as of now, should another publish or rollout step come during a fan-out.
    const target = servedRevisionNow(held.bundle, held.principal.credentialId) ?? held.have;
    answer(held, target, target.etag !== held.have.etag);
  }
  if (wakeHead < wakeQueue.length) {
    setTimeout(wakeSome, WAKE_TICK_MS);
    return;
  }
  wakeQueue.length = 0;
  wakeHead = 0;
  wakePerTick = 0;
  wakeScheduled = false;
}
