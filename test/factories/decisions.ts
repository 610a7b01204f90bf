import { randomUUID } from "node:crypto";
import { gzipSync } from "node:zlib";

let counter = 0;

/** An OPA EventV1 as an agent uploads it (docs/opa-protocol.md §5), for Verdict's authz policy by default. */
export function decisionEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter += 1;
  const caller = `spiffe://prod.example.com/ns/orders/sa/api-${counter % 7}`;
  const allow = counter % 5 !== 0;
  return {
    labels: { id: randomUUID(), version: "1.22.2", instance: "orders-sidecar-1" },
    decision_id: randomUUID(),
    path: "verdict/authz/allow",
    input: { caller, method: counter % 3 === 0 ? "DELETE" : "GET", path: `/v1/payments/refunds/${counter}` },
    result: { allow, reason: allow ? "allowlist entry 3" : "no allowlist entry" },
    bundles: { main: { revision: "r42" } },
    requested_by: "127.0.0.1:54321",
    timestamp: new Date(Date.now() - 1000).toISOString().replace("Z", "123456Z"),
    req_id: counter,
    metrics: { timer_rego_query_eval_ns: 41234, timer_server_handler_ns: 98765 },
    ...overrides,
  };
}

export function gzipJson(value: unknown): Buffer {
  return gzipSync(Buffer.from(JSON.stringify(value)));
}

/** A Request like OPA's decision-log upload: gzip JSON array, Content-Encoding: gzip. */
export function logUploadRequest(
  body: Buffer | ReadableStream<Uint8Array>,
  headers: Record<string, string> = {},
): Request {
  return new Request("http://verdict.test/api/opa/logs", {
    method: "POST",
    body,
    headers: { "content-type": "application/json", "content-encoding": "gzip", ...headers },
    duplex: "half",
  } as RequestInit);
}
