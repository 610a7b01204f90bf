import { decideAccess, type AccessRequest } from "@/lib/allowlists/decide";
import type { AllowlistsDocument, EndpointDocument } from "@/lib/allowlists/opa-data";

export type ProbeFamily =
  | "uncovered"
  | "neighbouring-caller"
  | "case-change"
  | "trailing-slash"
  | "encoded-path"
  | "dot-segments"
  | "other-method";

/** An adversarial request the allowlists do not cover, so the authorization policy must deny it. */
export type AllowlistProbe = { family: ProbeFamily; description: string; input: AccessRequest };

const MAX_PROBES = 5_000;
const OTHER_METHOD: Record<string, string> = { GET: "DELETE", HEAD: "DELETE", POST: "DELETE", DELETE: "POST" };

/** A concrete request path an endpoint pattern matches: `{id}` → `1`, a trailing `*` → `x`. */
function concretePath(endpoint: EndpointDocument): string {
  const segments = endpoint.segments.map((s) => (s.startsWith("{") ? "1" : s === "*" ? "x" : s));
  if (endpoint.prefix) segments.push("x");
  return `/${segments.join("/")}`;
}

/** Callers one step from a granted one: a longer or shorter path, a sibling name, another case, another trust domain. */
function neighbouringCallers(caller: string): Array<[ProbeFamily, string, string]> {
  const [, rest = ""] = caller.split("spiffe://");
  const slash = rest.indexOf("/");
  const domain = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? "" : rest.slice(slash);
  const parent = path.slice(0, path.lastIndexOf("/"));
  const out: Array<[ProbeFamily, string, string]> = [
    ["neighbouring-caller", `${caller}x`, "the granted ID with a character appended"],
    ["neighbouring-caller", `${caller}-evil`, "a sibling workload whose name starts like the granted one"],
    ["neighbouring-caller", `${caller}/extra`, "a workload below the granted ID's path"],
    ["neighbouring-caller", `spiffe://${domain}.evil.example${path}`, "the same path in another trust domain"],
  ];
  if (parent) out.push(["neighbouring-caller", `spiffe://${domain}${parent}`, "the granted ID's parent path"]);
  if (path && path !== path.toUpperCase())
    out.push(["case-change", `spiffe://${domain}${path.toUpperCase()}`, "the granted ID's path in upper case"]);
  return out;
}

/** Request paths one step from a granted one: a trailing slash, percent-encoding, dot segments, another case. */
function nearMissPaths(path: string): Array<[ProbeFamily, string, string]> {
  const last = path.lastIndexOf("/");
  const out: Array<[ProbeFamily, string, string]> = [
    ["trailing-slash", `${path}/`, "the granted path with a trailing slash"],
    ["dot-segments", `${path}/../admin`, "a dot segment climbing out of the granted path"],
    ["dot-segments", `${path.slice(0, last)}/./${path.slice(last + 1)}`, "a ./ segment inside the granted path"],
    ["encoded-path", `${path.slice(0, last)}%2F${path.slice(last + 1)}`, "the last slash percent-encoded"],
    ["encoded-path", `${path}%2F..%2Fadmin`, "an encoded ../ after the granted path"],
  ];
  if (path !== path.toUpperCase()) out.push(["case-change", path.toUpperCase(), "the granted path in upper case"]);
  return out;
}

/**
 * Adversarial requests derived from the allowlists: every known caller against every endpoint
 * it holds no grant for, and near misses of every grant (neighbouring SPIFFE IDs, case changes,
 * trailing slashes, encoded paths, `..` segments, other methods). Only requests that Verdict's
 * reference decision (lib/allowlists/decide.ts) denies are kept: the policy must deny them too.
 */
export function allowlistProbes(doc: AllowlistsDocument, nowNs: number): AllowlistProbe[] {
  const probes: AllowlistProbe[] = [];
  const seen = new Set<string>();
  const add = (family: ProbeFamily, description: string, input: AccessRequest) => {
    const key = JSON.stringify(input);
    if (probes.length >= MAX_PROBES || seen.has(key)) return;
    seen.add(key);
    if (!decideAccess(doc, input, nowNs).allow) probes.push({ family, description, input });
  };
  const callers = new Set(Object.values(doc.services).flatMap((s) => Object.keys(s.callers)));
  for (const [service, svc] of Object.entries(doc.services)) {
    for (const endpoint of Object.values(svc.endpoints)) {
      const method = endpoint.method === "*" ? "GET" : endpoint.method;
      const path = concretePath(endpoint);
      for (const caller of callers)
        add("uncovered", `${caller} has no grant for ${service} ${endpoint.method} ${endpoint.path}`, {
          caller,
          service,
          method,
          path,
        });
    }
    for (const [caller, grants] of Object.entries(svc.callers)) {
      for (const grant of grants) {
        const endpoint = svc.endpoints[grant.endpoint];
        if (!endpoint) continue;
        const method = endpoint.method === "*" ? "GET" : endpoint.method;
        const path = concretePath(endpoint);
        const granted = { caller, service, method, path };
        for (const [family, other, why] of neighbouringCallers(caller))
          add(family, `${why} (${grant.endpoint})`, { ...granted, caller: other });
        for (const [family, other, why] of nearMissPaths(path))
          add(family, `${why} (${grant.endpoint})`, { ...granted, path: other });
        if (endpoint.method !== "*") {
          add("other-method", `${OTHER_METHOD[method] ?? "DELETE"} instead of ${method} (${grant.endpoint})`, {
            ...granted,
            method: OTHER_METHOD[method] ?? "DELETE",
          });
          add("case-change", `the method in lower case (${grant.endpoint})`, {
            ...granted,
            method: method.toLowerCase(),
          });
        }
      }
    }
  }
  return probes;
}
