// The sample policies a fresh installation starts with: realistic Rego, each with Rego tests and
// a table of cases that pass against the pinned opa (test/integration/samples.test.ts runs them).

export const RBAC_POLICY = `package httpapi.rbac

# Role-based access for an internal HTTP API: deny by default.
default allow := false

role_permissions := {
	"admin": {"read", "write", "delete"},
	"editor": {"read", "write"},
	"viewer": {"read"},
}

method_action := {"GET": "read", "HEAD": "read", "POST": "write", "PUT": "write", "PATCH": "write", "DELETE": "delete"}

allow if {
	some role in input.user.roles
	method_action[input.method] in role_permissions[role]
}

reason := sprintf("%s may %s", [input.user.name, method_action[input.method]]) if allow

reason := "no role grants this action" if not allow
`;

export const ADMISSION_POLICY = `package kubernetes.admission

# Reject privileged containers and images from registries we do not trust.
trusted_registries := {"registry.example.com/", "ghcr.io/example/"}

deny contains msg if {
	input.request.kind.kind == "Pod"
	some container in input.request.object.spec.containers
	container.securityContext.privileged
	msg := sprintf("container %s must not run privileged", [container.name])
}

deny contains msg if {
	input.request.kind.kind == "Pod"
	some container in input.request.object.spec.containers
	not trusted_image(container.image)
	msg := sprintf("image %s is not from a trusted registry", [container.image])
}

trusted_image(image) if {
	some prefix in trusted_registries
	startswith(image, prefix)
}
`;

export const PAYMENTS_POLICY = `package payments.authz

# Refunds: only the payments team during business hours, and large refunds need a manager.
default allow := false

business_hours if {
	hour := time.clock(time.parse_rfc3339_ns(input.time))[0]
	hour >= 8
	hour < 18
}

allow if {
	input.action == "refund"
	input.subject.team == "payments"
	business_hours
	input.amount <= 1000
}

allow if {
	input.action == "refund"
	"manager" in input.subject.roles
	business_hours
}
`;

export const RBAC_TESTS = `package httpapi.rbac_test

import data.httpapi.rbac

test_admin_may_delete if rbac.allow with input as {"user": {"name": "ada", "roles": ["admin"]}, "method": "DELETE"}

test_viewer_may_not_write if not rbac.allow with input as {"user": {"name": "vic", "roles": ["viewer"]}, "method": "POST"}

test_reason_explains_a_grant if rbac.reason == "ed may write" with input as {"user": {"name": "ed", "roles": ["editor"]}, "method": "PUT"}
`;

const rbacCase = (name: string, input: unknown, expected: string, query = "") => ({
  name,
  query,
  input: JSON.stringify(input, null, 2),
  data: "",
  expected,
});

export const RBAC_CASES = [
  rbacCase("editors may patch", { user: { name: "ed", roles: ["editor"] }, method: "PATCH" }, "true"),
  rbacCase("viewers may read", { user: { name: "vic", roles: ["viewer"] }, method: "GET" }, "true"),
  rbacCase("no roles, no access", { user: { name: "nobody", roles: [] }, method: "GET" }, "false"),
  rbacCase("unknown method is denied", { user: { name: "ada", roles: ["admin"] }, method: "TRACE" }, "false"),
  rbacCase(
    "reason for a denial",
    { user: { name: "vic", roles: ["viewer"] }, method: "DELETE" },
    JSON.stringify("no role grants this action"),
    "data.httpapi.rbac.reason",
  ),
];

export const ADMISSION_TESTS = `package kubernetes.admission_test

import data.kubernetes.admission

pod(containers) := {"request": {"kind": {"kind": "Pod"}, "object": {"spec": {"containers": containers}}}}

test_trusted_unprivileged_pod_passes if {
	count(admission.deny) == 0 with input as pod([{"name": "api", "image": "registry.example.com/api:1.4"}])
}

test_privileged_container_is_denied if {
	admission.deny["container api must not run privileged"] with input as pod([{"name": "api", "image": "ghcr.io/example/api:2", "securityContext": {"privileged": true}}])
}

test_untrusted_registry_is_denied if {
	admission.deny["image docker.io/library/nginx is not from a trusted registry"] with input as pod([{"name": "web", "image": "docker.io/library/nginx"}])
}

test_other_kinds_are_not_checked if {
	count(admission.deny) == 0 with input as {"request": {"kind": {"kind": "ConfigMap"}, "object": {}}}
}
`;

const admissionPod = (containers: unknown[]) =>
  JSON.stringify({ request: { kind: { kind: "Pod" }, object: { spec: { containers } } } }, null, 2);

export const ADMISSION_CASES = [
  {
    name: "a trusted, unprivileged pod is admitted",
    query: "data.kubernetes.admission.deny",
    input: admissionPod([{ name: "api", image: "registry.example.com/api:1.4" }]),
    data: "",
    expected: "[]",
  },
  {
    name: "a privileged pod from an untrusted registry gets both reasons",
    query: "data.kubernetes.admission.deny",
    input: admissionPod([{ name: "debug", image: "docker.io/busybox", securityContext: { privileged: true } }]),
    data: "",
    expected: JSON.stringify([
      "container debug must not run privileged",
      "image docker.io/busybox is not from a trusted registry",
    ]),
  },
];

export const PAYMENTS_TESTS = `package payments.authz_test

import data.payments.authz

refund(amount, team, roles, time) := {"action": "refund", "amount": amount, "subject": {"team": team, "roles": roles}, "time": time}

test_team_refund_in_business_hours if authz.allow with input as refund(250, "payments", [], "2026-03-02T10:00:00Z")

test_large_refund_needs_a_manager if {
	not authz.allow with input as refund(5000, "payments", [], "2026-03-02T10:00:00Z")
	authz.allow with input as refund(5000, "finance", ["manager"], "2026-03-02T10:00:00Z")
}

test_no_refunds_at_night if not authz.allow with input as refund(10, "payments", ["manager"], "2026-03-02T22:30:00Z")

test_other_teams_may_not_refund if not authz.allow with input as refund(10, "sales", [], "2026-03-02T10:00:00Z")
`;

const refundCase = (name: string, amount: number, team: string, roles: string[], time: string, expected: boolean) => ({
  name,
  query: "",
  input: JSON.stringify({ action: "refund", amount, subject: { team, roles }, time }, null, 2),
  data: "",
  expected: String(expected),
});

export const PAYMENTS_CASES = [
  refundCase("payments team, small refund, 09:15", 120, "payments", [], "2026-03-02T09:15:00Z", true),
  refundCase("payments team, 1,001 at noon", 1001, "payments", [], "2026-03-02T12:00:00Z", false),
  refundCase("a manager, large refund, 17:59", 9000, "finance", ["manager"], "2026-03-02T17:59:00Z", true),
  refundCase("a manager at 18:00", 10, "finance", ["manager"], "2026-03-02T18:00:00Z", false),
];

export const SAMPLE_POLICIES = [
  {
    name: "HTTP API RBAC",
    packagePath: "httpapi.rbac",
    owner: "platform-security",
    description: "Role-based access for internal HTTP APIs.",
    source: RBAC_POLICY,
    testSource: RBAC_TESTS,
    testCases: RBAC_CASES,
  },
  {
    name: "Kubernetes admission",
    packagePath: "kubernetes.admission",
    owner: "platform-team",
    description: "Rejects privileged pods and untrusted images.",
    source: ADMISSION_POLICY,
    testSource: ADMISSION_TESTS,
    testCases: ADMISSION_CASES,
  },
  {
    name: "Payments refunds",
    packagePath: "payments.authz",
    owner: "payments-team",
    description: "Who may issue refunds, and when.",
    source: PAYMENTS_POLICY,
    testSource: PAYMENTS_TESTS,
    testCases: PAYMENTS_CASES,
  },
];
