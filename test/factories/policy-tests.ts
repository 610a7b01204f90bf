// A realistic policy with its Rego tests and table-driven cases, for tests, the seed and the benchmark.
import type { TTestCaseInput } from "@/lib/policy-tests/schemas";

export function refundPolicy(pkg: string): string {
  return `package ${pkg}

# Refunds: the payments team, during business hours, up to a limit that bundle data may lower.
default allow := false

default max_refund := 1000

max_refund := data.limits.max_refund

business_hours if {
	hour := time.clock(time.parse_rfc3339_ns(input.time))[0]
	hour >= 8
	hour < 18
}

allow if {
	input.action == "refund"
	input.subject.team == "payments"
	business_hours
	input.amount <= max_refund
}

reasons contains "outside business hours" if not business_hours

reasons contains "amount above the limit" if input.amount > max_refund

decision := {"allow": allow, "reasons": reasons}

never_reached if input.action == "launch-missiles"

conflicting := 1 if input.x

conflicting := 2 if input.x

expensive := count([x | some x in numbers.range(1, 1000000000)])
`;
}

export function refundTests(pkg: string): string {
  return `package ${pkg}_test

test_small_refund_allowed if {
	data.${pkg}.allow with input as {"action": "refund", "subject": {"team": "payments"}, "amount": 10, "time": "2026-01-05T10:00:00Z"}
}

test_night_refund_denied if {
	not data.${pkg}.allow with input as {"action": "refund", "subject": {"team": "payments"}, "amount": 10, "time": "2026-01-05T23:00:00Z"}
}
`;
}

const refund = (amount: number, time = "2026-01-05T10:00:00Z") =>
  JSON.stringify({ action: "refund", subject: { team: "payments" }, amount, time }, null, 2);

/** Cases whose query may name the package as PKG (replaced when the policy is made). */
export function refundCases(): TTestCaseInput[] {
  return [
    { name: "payments team refunds in business hours", input: refund(100), expected: "true" },
    { name: "large refund is refused", input: refund(5000), expected: "false" },
    { name: "unknown rule is undefined", query: "data.PKG.no_such_rule", input: refund(100), expected: "undefined" },
    {
      name: "decision object",
      query: "data.PKG.decision",
      input: refund(100),
      expected: '{"allow": true, "reasons": []}',
    },
    {
      name: "a lower limit from data denies",
      input: refund(100),
      data: '{"limits": {"max_refund": 10}}',
      expected: "false",
    },
    { name: "wrong expectation", input: refund(5000), expected: "true" },
  ];
}

/** Fills the defaults and the package into cases written with PKG. */
export function completeCases(cases: TTestCaseInput[], pkg: string) {
  return cases.map((c) => ({
    query: "",
    input: "",
    data: "",
    expected: "true",
    ...c,
    ...(c.query ? { query: c.query.replace("PKG", pkg) } : {}),
  }));
}
