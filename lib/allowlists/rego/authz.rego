# Verdict's caller-allowlist authorization policy.
#
# Decides one service-to-service request from `input` against the allowlists Verdict publishes
# as data under `data.verdict.allowlists` (shape: docs/allowlists.md). Deny by default.
#
#   allow    true when an active allowlist entry grants the caller this method and path
#   reason   which entry matched, or why the request is denied
#   decision {"allow", "reason", "entry", "caller", "service"} in one object
#   envoy    the object the OPA-Envoy ext_authz plugin expects ({"allowed", "headers"})
#
# Input, either plain (a middleware that verified the peer certificate itself):
#   {"caller": "spiffe://…", "service": "payments", "method": "POST", "path": "/refunds/7"}
# or Envoy's ext_authz CheckRequest as the OPA-Envoy plugin passes it:
#   attributes.source.principal                  the mTLS peer's URI SAN, verified by Envoy
#   attributes.request.http.headers["x-forwarded-client-cert"]
#                                                used only when there is no direct peer principal
#   attributes.request.http.method / .path       the path may carry a query string; it is ignored
#   attributes.contextExtensions.verdict_service the callee, set in Envoy's per-route config
# When no service is given, the OPA label `verdict_service` of the sidecar names it.
package verdict.authz

default allow := false

allow if count(live_grants) > 0

lists := data.verdict.allowlists.services

# ── Who is calling ────────────────────────────────────────────────────────────────────────

caller := input.caller if {
	is_string(input.caller)
	input.caller != ""
} else := principal if {
	principal := object.get(input, ["attributes", "source", "principal"], "")
	principal != ""
} else := xfcc_uri

xfcc := object.get(input, ["attributes", "request", "http", "headers", "x-forwarded-client-cert"], "")

# Quoted values (Subject="…;URI=…") are blanked first so they cannot smuggle a URI key.
xfcc_elements := split(regex.replace(xfcc, `"(?:[^"\\]|\\.)*"`, `""`), ",") if xfcc != ""

xfcc_uris := [substring(kv, 4, -1) |
	some pair in split(xfcc_elements[0], ";")
	kv := trim_space(pair)
	lower(substring(kv, 0, 4)) == "uri="
]

# The enforcement point must forward one element (Envoy SANITIZE_SET) with one URI SAN.
xfcc_uri := xfcc_uris[0] if {
	count(xfcc_elements) == 1
	count(xfcc_uris) == 1
}

# A SPIFFE ID per the standard: lower-case trust domain, no port, userinfo, query, fragment,
# percent-encoding, empty or dot segments, at most 2048 bytes.
valid_caller if {
	count(caller) <= 2048
	regex.match(`^spiffe://[a-z0-9._-]{1,255}(/[A-Za-z0-9._-]+)*$`, caller)
	not regex.match(`/\.\.?(/|$)`, caller)
}

caller_trust_domain := split(substring(caller, 9, -1), "/")[0] if valid_caller

# ── What is being called ──────────────────────────────────────────────────────────────────

service := input.service if {
	is_string(input.service)
} else := s if {
	s := input.attributes.contextExtensions.verdict_service
} else := s if {
	s := input.attributes.context_extensions.verdict_service
} else := s if {
	s := opa.runtime().config.labels.verdict_service
}

method := input.method if {
	is_string(input.method)
} else := input.attributes.request.http.method

raw_path := input.path if {
	is_string(input.path)
} else := input.attributes.request.http.path

path := split(split(raw_path, "?")[0], "#")[0]

path_problem := "does not start with /" if {
	not startswith(path, "/")
} else := "contains a backslash" if {
	contains(path, `\`)
} else := "contains an encoded slash or backslash" if {
	regex.match(`(?i)%(2f|5c)`, path)
} else := "contains an empty segment (//)" if {
	contains(path, "//")
} else := "contains a dot segment" if {
	some segment in split(path, "/")
	regex.match(`(?i)^(\.|%2e){1,2}(;.*)?$`, segment)
}

request_segments := split(substring(path, 1, -1), "/")

svc := lists[service]

# ── Matching ──────────────────────────────────────────────────────────────────────────────

candidates contains grant if {
	valid_caller
	some grant in svc.callers[caller]
}

candidates contains grant if {
	valid_caller
	some grant in svc.wildcards
	startswith(caller, grant.prefix)
}

route_matches contains grant if {
	not path_problem
	some grant in candidates
	endpoint := svc.endpoints[grant.endpoint]
	method_matches(endpoint.method)
	path_matches(endpoint)
}

live_grants contains grant if {
	some grant in route_matches
	not expired(grant)
	trust_domain_ok(grant)
}

method_matches(m) if m == "*"

method_matches(m) if m == method

path_matches(endpoint) if {
	not endpoint.prefix
	count(request_segments) == count(endpoint.segments)
	segments_match(endpoint.segments)
}

path_matches(endpoint) if {
	endpoint.prefix
	count(request_segments) > count(endpoint.segments)
	segments_match(endpoint.segments)
}

segments_match(segments) if {
	every i, segment in segments {
		segment_matches(segment, request_segments[i])
	}
}

segment_matches(segment, actual) if {
	startswith(segment, "{")
	actual != ""
}

segment_matches(segment, actual) if {
	not startswith(segment, "{")
	segment == actual
}

expired(grant) if grant.expires_at_ns <= time.now_ns()

trust_domain_ok(_) if caller_trust_domain == svc.trust_domain

trust_domain_ok(grant) if grant.cross_trust_domain == true

# ── Outcome ───────────────────────────────────────────────────────────────────────────────

# Several entries may grant the same request; the reason names one, chosen deterministically.
matched := first_of(live_grants)

expired_match := first_of({g | some g in route_matches; expired(g); trust_domain_ok(g)})

first_of(grants) := grant if {
	first := min({g.id | some g in grants})
	some grant in grants
	grant.id == first
}

reason := sprintf("allowed by entry %s: %s may call %s %s", [matched.id, object.get(matched, "caller", caller), service, matched.endpoint]) if {
	allow
} else := "denied: no caller identity (send input.caller, terminate mTLS in Envoy, or forward one x-forwarded-client-cert element with one URI)" if {
	not caller
} else := sprintf("denied: caller %q is not a valid SPIFFE ID", [caller]) if {
	not valid_caller
} else := "denied: no target service (set input.service, the verdict_service context extension, or the verdict_service OPA label)" if {
	not service
} else := sprintf("denied: service %q has no allowlist", [service]) if {
	not svc
} else := "denied: no method or path in the request" if {
	not method
} else := "denied: no method or path in the request" if {
	not raw_path
} else := sprintf("denied: request path %q %s", [path, path_problem]) if {
	path_problem
} else := sprintf("denied: entry %s expired at %s", [expired_match.id, time.format(expired_match.expires_at_ns)]) if {
	expired_match
} else := sprintf("denied: caller's trust domain %q is not %s's trust domain %q and no entry grants it explicitly", [caller_trust_domain, service, svc.trust_domain]) if {
	count(route_matches) > 0
	caller_trust_domain != svc.trust_domain
} else := sprintf("denied: no allowlist entry lets %s call %s %s %s", [caller, service, method, path])

decision := {
	"allow": allow,
	"reason": reason,
	"entry": matched_id,
	"caller": caller_or_null,
	"service": service_or_null,
}

matched_id := matched.id if {
	allow
} else := null

caller_or_null := caller if {
	caller
} else := null

service_or_null := service if {
	service
} else := null

envoy := {
	"allowed": allow,
	"headers": {"x-verdict-reason": reason},
}
