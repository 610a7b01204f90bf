// The decision of lib/allowlists/rego/authz.rego for a plain request, computed in TypeScript
// from the same data document. The console uses it to answer "would this request pass?"
// without an OPA round trip; test/integration/allowlists-views.test.ts checks both give the same answer.

import type { AllowlistsDocument, GrantDocument, WildcardGrantDocument } from "@/lib/allowlists/opa-data";
import { methodMatches, pathMatches, requestPathProblem, stripQuery } from "@/lib/allowlists/path-pattern";
import { parseSpiffeId } from "@/lib/allowlists/spiffe-id";

export type AccessRequest = { caller: string; service: string; method: string; path: string };
export type AccessDecision = { allow: boolean; reason: string; entry: string | null };

const VALID_CALLER = /^spiffe:\/\/[a-z0-9._-]{1,255}(\/[A-Za-z0-9._-]+)*$/;

export function decideAccess(doc: AllowlistsDocument, request: AccessRequest, nowNs: number): AccessDecision {
  const deny = (reason: string): AccessDecision => ({ allow: false, reason: `denied: ${reason}`, entry: null });
  const { caller, service, method } = request;
  if (!caller)
    return deny(
      "no caller identity (send input.caller, terminate mTLS in Envoy, or forward one x-forwarded-client-cert element with one URI)",
    );
  if (!isValidCaller(caller)) return deny(`caller ${quote(caller)} is not a valid SPIFFE ID`);
  if (!service)
    return deny(
      "no target service (set input.service, the verdict_service context extension, or the verdict_service OPA label)",
    );
  const svc = Object.hasOwn(doc.services, service) ? doc.services[service] : undefined;
  if (!svc) return deny(`service ${quote(service)} has no allowlist`);
  if (!method || !request.path) return deny("no method or path in the request");
  const path = stripQuery(request.path);
  const problem = requestPathProblem(path);
  if (problem) return deny(`request path ${quote(path)} ${problem}`);

  const exact: GrantDocument[] = Object.hasOwn(svc.callers, caller) ? svc.callers[caller]! : [];
  const wildcards: WildcardGrantDocument[] = svc.wildcards.filter((g) => caller.startsWith(g.prefix));
  const routeMatches = [...exact, ...wildcards].filter((g) => {
    const endpoint = svc.endpoints[g.endpoint];
    return endpoint !== undefined && methodMatches(endpoint.method, method) && pathMatches(endpoint, path);
  });
  const callerTrustDomain = caller.slice("spiffe://".length).split("/")[0]!;
  const trustOk = (g: GrantDocument) => callerTrustDomain === svc.trust_domain || g.cross_trust_domain === true;
  const expired = (g: GrantDocument) => g.expires_at_ns !== undefined && g.expires_at_ns <= nowNs;
  const live = routeMatches.filter((g) => !expired(g) && trustOk(g));
  if (live.length > 0) {
    const g = firstById(live);
    const who = "caller" in g ? (g as WildcardGrantDocument).caller : caller;
    return { allow: true, reason: `allowed by entry ${g.id}: ${who} may call ${service} ${g.endpoint}`, entry: g.id };
  }
  const expiredMatches = routeMatches.filter((g) => expired(g) && trustOk(g));
  if (expiredMatches.length > 0) {
    const g = firstById(expiredMatches);
    return deny(`entry ${g.id} expired at ${formatNs(g.expires_at_ns!)}`);
  }
  if (routeMatches.length > 0 && callerTrustDomain !== svc.trust_domain) {
    return deny(
      `caller's trust domain ${quote(callerTrustDomain)} is not ${service}'s trust domain ${quote(svc.trust_domain)} and no entry grants it explicitly`,
    );
  }
  return deny(`no allowlist entry lets ${caller} call ${service} ${method} ${path}`);
}

function isValidCaller(caller: string): boolean {
  return (
    caller.length <= 2048 && VALID_CALLER.test(caller) && !/\/\.\.?(\/|$)/.test(caller) && parseSpiffeId(caller).ok
  );
}

function firstById<T extends GrantDocument>(grants: T[]): T {
  return grants.reduce((a, b) => (b.id < a.id ? b : a));
}

// Rego's %q: a Go-quoted string.
function quote(s: string): string {
  return JSON.stringify(s);
}

// Rego's time.format: RFC 3339 in UTC, fractional seconds only when present.
function formatNs(ns: number): string {
  return new Date(Math.floor(ns / 1_000_000)).toISOString().replace(".000Z", "Z");
}
