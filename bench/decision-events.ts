// Decision events shaped like OPA's uploads, shared by the ingestion benchmark and the fleet
// simulation.
import { randomUUID } from "node:crypto";

/**
 * OPA fills each upload up to upload_size_limit_bytes of gzip (32 KiB by default): about 350 of
 * these events. Each upload comes from one agent (the instance label changes per batch).
 */
export const PER_BATCH = 350;
export const UPLOAD_LIMIT_BYTES = 32 * 1024;

/**
 * Decision events as OPA uploads them: Envoy ext_authz-style inputs for Verdict's authz policy.
 * Each upload comes from one agent (an OPA batch holds only its own decisions), 40 agents in all.
 */
export function makeEvents(n: number): Array<Record<string, unknown>> {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => {
    const svc = ["payments", "orders", "billing", "inventory", "search"][i % 5]!;
    const caller = `spiffe://prod.example.com/ns/${svc}/sa/${svc}-${(i * 7919) % 2000}`;
    const method = i % 13 === 0 ? "DELETE" : i % 3 === 0 ? "POST" : "GET";
    const allow = i % 17 !== 0;
    return {
      labels: { id: "4f1b7c1e-opa-process", version: "1.22.2", instance: `sidecar-${Math.floor(i / PER_BATCH) % 40}` },
      decision_id: randomUUID(),
      path: "verdict/authz/allow",
      input: {
        caller,
        method,
        path: `/v1/${svc}/items/${i % 10_000}`,
        attributes: {
          source: { principal: caller, address: `10.0.${i % 250}.${i % 200}` },
          request: { http: { method, host: `${svc}.internal`, id: randomUUID() } },
        },
      },
      result: {
        allow,
        reason: allow ? `allowlist entry ${i % 700}` : "no allowlist entry for this caller and endpoint",
      },
      bundles: { main: { revision: "r42" } },
      requested_by: `10.0.0.${i % 250}:${30_000 + (i % 20_000)}`,
      timestamp: new Date(now - (n - i)).toISOString().replace("Z", "123456Z"),
      req_id: i,
      metrics: { timer_rego_query_eval_ns: 40_000 + (i % 50_000), timer_server_handler_ns: 90_000 + (i % 70_000) },
    };
  });
}
