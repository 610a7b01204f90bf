// Realistic Rego modules used by the demo seed and by tests.

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
  },
  {
    name: "Payments refunds",
    packagePath: "payments.authz",
    owner: "payments-team",
    description: "Who may issue refunds, and when.",
    source: PAYMENTS_POLICY,
  },
];

let counter = 0;

/** A unique, valid policy create request. */
export function policyInput(
  overrides: Partial<{
    name: string;
    packagePath: string;
    owner: string;
    description: string;
    source: string;
    message: string;
  }> = {},
) {
  counter += 1;
  const packagePath = overrides.packagePath ?? `test.p${Date.now().toString(36)}${process.pid}${counter}`;
  return {
    name: overrides.name ?? `Test policy ${counter}`,
    packagePath,
    owner: overrides.owner ?? "test-team",
    description: overrides.description ?? "",
    source: overrides.source ?? `package ${packagePath}\n\ndefault allow := false\n\nallow if input.user == "alice"\n`,
    message: overrides.message ?? "",
  };
}
