package verdict.authz_test

import data.verdict.authz

# 2026-06-01T00:00:00Z, the "now" of every test.
now := 1780272000000000000

hour := 3600000000000

billing := "spiffe://prod.example/ns/billing/sa/api"

lists := {"services": {
	"payments": {
		"trust_domain": "prod.example",
		"endpoints": {
			"POST /refunds": {"method": "POST", "path": "/refunds", "segments": ["refunds"], "prefix": false},
			"GET /refunds/{id}": {"method": "GET", "path": "/refunds/{id}", "segments": ["refunds", "{id}"], "prefix": false},
			"GET /reports/*": {"method": "GET", "path": "/reports/*", "segments": ["reports"], "prefix": true},
			"* /health": {"method": "*", "path": "/health", "segments": ["health"], "prefix": false},
		},
		"callers": {
			billing: [
				{"id": "e-refund", "endpoint": "POST /refunds"},
				{"id": "e-read", "endpoint": "GET /refunds/{id}", "expires_at_ns": now + hour},
			],
			"spiffe://prod.example/ns/legacy/sa/batch": [{"id": "e-expired", "endpoint": "POST /refunds", "expires_at_ns": now - hour}],
			"spiffe://partner.example/ns/acme/sa/sync": [{"id": "e-partner", "endpoint": "GET /refunds/{id}", "cross_trust_domain": true}],
			"spiffe://staging.example/ns/billing/sa/api": [{"id": "e-sneaky", "endpoint": "POST /refunds"}],
		},
		"wildcards": [
			{"id": "e-monitoring", "endpoint": "* /health", "caller": "spiffe://prod.example/ns/monitoring/*", "prefix": "spiffe://prod.example/ns/monitoring/"},
			{"id": "e-analytics", "endpoint": "GET /reports/*", "caller": "spiffe://prod.example/ns/analytics/*", "prefix": "spiffe://prod.example/ns/analytics/"},
		],
	},
	"ledger": {"trust_domain": "prod.example", "endpoints": {}, "callers": {}, "wildcards": []},
}}

decide(request) := d if {
	d := authz.decision with input as request
		with data.verdict.allowlists as lists
		with time.now_ns as now
}

plain(caller, method, path) := {"caller": caller, "service": "payments", "method": method, "path": path}

envoy_input(principal, headers, method, path) := {"attributes": {
	"source": {"principal": principal},
	"request": {"http": {"method": method, "path": path, "headers": headers}},
	"contextExtensions": {"verdict_service": "payments"},
}}

test_exact_match_allows_and_names_the_entry if {
	d := decide(plain(billing, "POST", "/refunds"))
	d.allow
	d.entry == "e-refund"
	d.reason == "allowed by entry e-refund: spiffe://prod.example/ns/billing/sa/api may call payments POST /refunds"
}

test_wrong_method_denies if {
	d := decide(plain(billing, "DELETE", "/refunds"))
	not d.allow
	d.entry == null
	d.reason == "denied: no allowlist entry lets spiffe://prod.example/ns/billing/sa/api call payments DELETE /refunds"
}

test_wrong_path_denies if {
	not decide(plain(billing, "POST", "/refunds/7")).allow
	not decide(plain(billing, "POST", "/Refunds")).allow
	not decide(plain(billing, "POST", "/refunds/")).allow
}

test_parameter_matches_one_non_empty_segment if {
	decide(plain(billing, "GET", "/refunds/r-42")).allow
	not decide(plain(billing, "GET", "/refunds/")).allow
	not decide(plain(billing, "GET", "/refunds/a/b")).allow
}

test_query_string_is_ignored if {
	decide(plain(billing, "GET", "/refunds/7?expand=items")).allow
	decide(plain(billing, "POST", "/refunds?x=/admin")).allow
}

test_encoded_slash_never_matches if {
	d := decide(plain(billing, "GET", "/refunds/a%2Fb"))
	not d.allow
	d.reason == "denied: request path \"/refunds/a%2Fb\" contains an encoded slash or backslash"
	not decide(plain(billing, "GET", "/refunds/a%2fb")).allow
	not decide(plain(billing, "GET", "/refunds/a%5cb")).allow
}

test_dot_and_empty_segments_never_match if {
	d := decide(plain("spiffe://prod.example/ns/analytics/sa/x", "GET", "/reports/../refunds"))
	not d.allow
	d.reason == "denied: request path \"/reports/../refunds\" contains a dot segment"
	not decide(plain("spiffe://prod.example/ns/analytics/sa/x", "GET", "/reports/%2e%2e/refunds")).allow
	not decide(plain("spiffe://prod.example/ns/analytics/sa/x", "GET", "/reports/..;/refunds")).allow
	not decide(plain("spiffe://prod.example/ns/analytics/sa/x", "GET", "//reports/x")).allow
}

test_trailing_star_matches_below_the_prefix_only if {
	analytics := "spiffe://prod.example/ns/analytics/sa/dash"
	decide(plain(analytics, "GET", "/reports/q1/pdf")).allow
	decide(plain(analytics, "GET", "/reports/")).allow
	not decide(plain(analytics, "GET", "/reports")).allow
	not decide(plain(analytics, "GET", "/reportsX")).allow
}

test_caller_wildcard_covers_ids_below_it if {
	d := decide(plain("spiffe://prod.example/ns/monitoring/sa/prober", "HEAD", "/health"))
	d.allow
	d.reason == "allowed by entry e-monitoring: spiffe://prod.example/ns/monitoring/* may call payments * /health"
	not decide(plain("spiffe://prod.example/ns/monitoring", "GET", "/health")).allow
	not decide(plain("spiffe://prod.example/ns/monitoring-evil/sa/x", "GET", "/health")).allow
}

test_expired_entry_never_matches if {
	d := decide(plain("spiffe://prod.example/ns/legacy/sa/batch", "POST", "/refunds"))
	not d.allow
	d.reason == "denied: entry e-expired expired at 2026-05-31T23:00:00Z"
}

test_entry_expires_exactly_at_its_expiry if {
	authz.allow with input as plain(billing, "GET", "/refunds/1") with data.verdict.allowlists as lists with time.now_ns as (now + hour) - 1
	not authz.allow with input as plain(billing, "GET", "/refunds/1") with data.verdict.allowlists as lists with time.now_ns as now + hour
}

test_other_trust_domain_needs_an_explicit_entry if {
	d := decide(plain("spiffe://staging.example/ns/billing/sa/api", "POST", "/refunds"))
	not d.allow
	d.reason == "denied: caller's trust domain \"staging.example\" is not payments's trust domain \"prod.example\" and no entry grants it explicitly"
	decide(plain("spiffe://partner.example/ns/acme/sa/sync", "GET", "/refunds/9")).allow
}

test_invalid_caller_ids_never_match if {
	not decide(plain("spiffe://PROD.example/ns/billing/sa/api", "POST", "/refunds")).allow
	not decide(plain("spiffe://prod.example:443/ns/billing/sa/api", "POST", "/refunds")).allow
	not decide(plain("spiffe://prod.example/ns/billing/sa/api/", "POST", "/refunds")).allow
	d := decide(plain("spiffe://prod.example/ns/monitoring/../billing/sa/api", "GET", "/health"))
	not d.allow
	d.reason == "denied: caller \"spiffe://prod.example/ns/monitoring/../billing/sa/api\" is not a valid SPIFFE ID"
}

test_unknown_service_and_missing_fields_deny if {
	d := decide({"caller": billing, "service": "nope", "method": "GET", "path": "/"})
	not d.allow
	d.reason == "denied: service \"nope\" has no allowlist"
	decide({"caller": billing, "method": "GET", "path": "/"}).reason == "denied: no target service (set input.service, the verdict_service context extension, or the verdict_service OPA label)"
	decide({"service": "payments", "method": "GET", "path": "/"}).reason == "denied: no caller identity (send input.caller, terminate mTLS in Envoy, or forward one x-forwarded-client-cert element with one URI)"
	decide({"caller": billing, "service": "payments", "path": "/refunds"}).reason == "denied: no method or path in the request"
	not decide({}).allow
}

test_service_without_entries_denies if {
	not decide({"caller": billing, "service": "ledger", "method": "GET", "path": "/"}).allow
}

test_no_data_at_all_denies if {
	not authz.allow with input as plain(billing, "POST", "/refunds")
}

test_envoy_peer_principal if {
	d := decide(envoy_input(billing, {}, "POST", "/refunds?dry_run=1"))
	d.allow
	d.caller == billing
	d.service == "payments"
}

test_envoy_peer_principal_wins_over_forwarded_header if {
	xfcc := "By=spiffe://prod.example/ns/payments/sa/api;URI=spiffe://prod.example/ns/legacy/sa/batch"
	decide(envoy_input(billing, {"x-forwarded-client-cert": xfcc}, "POST", "/refunds")).allow
}

test_envoy_forwarded_client_cert if {
	xfcc := concat("", [
		"By=spiffe://prod.example/ns/payments/sa/api;Hash=468ed33be74eee6556d90c0149c1309e9ba61d6425303443c0748a02dd8de688;",
		`Subject="CN=billing,O=Example";URI=`, billing,
	])
	d := decide(envoy_input("", {"x-forwarded-client-cert": xfcc}, "POST", "/refunds"))
	d.allow
	d.caller == billing
}

test_forwarded_client_cert_with_several_elements_is_refused if {
	xfcc := concat(",", [concat("", ["URI=", billing]), "URI=spiffe://prod.example/ns/other/sa/x"])
	d := decide(envoy_input("", {"x-forwarded-client-cert": xfcc}, "POST", "/refunds"))
	not d.allow
	d.caller == null
}

test_forwarded_client_cert_cannot_smuggle_a_uri_in_a_quoted_value if {
	xfcc := concat("", [`Subject="CN=x;URI=`, billing, `";URI=spiffe://prod.example/ns/nobody/sa/x`])
	d := decide(envoy_input("", {"x-forwarded-client-cert": xfcc}, "POST", "/refunds"))
	not d.allow
	d.caller == "spiffe://prod.example/ns/nobody/sa/x"
}

test_forwarded_client_cert_with_two_uris_is_refused if {
	xfcc := concat("", ["URI=", billing, ";URI=spiffe://prod.example/ns/other/sa/x"])
	not decide(envoy_input("", {"x-forwarded-client-cert": xfcc}, "POST", "/refunds")).allow
}

test_service_from_opa_label if {
	authz.allow with input as {"caller": billing, "method": "POST", "path": "/refunds"}
		with data.verdict.allowlists as lists
		with time.now_ns as now
		with opa.runtime as {"config": {"labels": {"verdict_service": "payments"}}}
}

test_envoy_response_object if {
	e := authz.envoy with input as plain(billing, "DELETE", "/refunds") with data.verdict.allowlists as lists with time.now_ns as now
	e.allowed == false
	startswith(e.headers["x-verdict-reason"], "denied: ")
}
