import { db } from "@/lib/core/db";
import type { Actor } from "@/lib/auth/actor";
import { createServiceWithEndpoints, entry, grant } from "@/test/factories/allowlists";

const TD = "prod.example.com";
const id = (ns: string, sa: string) => `spiffe://${TD}/ns/${ns}/sa/${sa}`;
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

/** A small, realistic allowlist for the demo seed and for screenshots. */
export async function seedDemoAllowlists(actor: Actor): Promise<void> {
  await createServiceWithEndpoints(actor, {
    name: "payments",
    trustDomain: TD,
    ownerTeam: "team-payments",
    endpoints: [
      ["POST", "/refunds"],
      ["GET", "/refunds/{id}"],
      ["GET", "/reports/*"],
      ["*", "/health"],
    ],
  });
  await createServiceWithEndpoints(actor, {
    name: "orders",
    trustDomain: TD,
    ownerTeam: "team-checkout",
    endpoints: [
      ["POST", "/orders"],
      ["GET", "/orders/{id}"],
      ["PATCH", "/orders/{id}"],
    ],
  });
  await createServiceWithEndpoints(actor, {
    name: "inventory",
    trustDomain: TD,
    ownerTeam: "team-fulfilment",
    endpoints: [
      ["GET", "/items/{sku}"],
      ["POST", "/reservations"],
    ],
  });
  await createServiceWithEndpoints(actor, {
    name: "ledger",
    trustDomain: TD,
    ownerTeam: "team-finance",
    endpoints: [["POST", "/entries"]],
  });
  await grant(actor, [
    entry("payments", "POST", "/refunds", id("billing", "api"), {
      owner: "team-billing",
      reason: "issues refunds for cancelled orders",
    }),
    entry("payments", "GET", "/refunds/{id}", id("billing", "api"), {
      owner: "team-billing",
      reason: "shows refund status to support",
      expiresAt: inDays(9),
    }),
    entry("payments", "GET", "/refunds/{id}", id("support", "console"), {
      owner: "team-support",
      reason: "support agents look up refunds",
      expiresAt: inDays(60),
    }),
    entry("payments", "GET", "/reports/*", id("analytics", "exporter"), {
      owner: "team-data",
      reason: "nightly finance exports",
    }),
    entry("payments", "*", "/health", `spiffe://${TD}/ns/monitoring/*`, {
      owner: "team-sre",
      reason: "health probes from every monitoring workload",
    }),
    entry("payments", "GET", "/refunds/{id}", "spiffe://partner.acme.com/ns/sync/sa/reconciler", {
      owner: "team-partnerships",
      reason: "Acme reconciles refunds nightly (contract 2026-114)",
      crossTrustDomain: true,
      expiresAt: inDays(120),
    }),
    entry("orders", "POST", "/orders", id("shop", "web"), { owner: "team-shop", reason: "checkout creates orders" }),
    entry("orders", "GET", "/orders/{id}", id("shop", "web"), { owner: "team-shop", reason: "order status page" }),
    entry("orders", "PATCH", "/orders/{id}", id("billing", "api"), {
      owner: "team-billing",
      reason: "marks orders refunded",
    }),
    entry("inventory", "GET", "/items/{sku}", id("shop", "web"), {
      owner: "team-shop",
      reason: "stock shown on product pages",
    }),
    entry("inventory", "POST", "/reservations", id("orders", "api"), {
      owner: "team-checkout",
      reason: "reserves stock at checkout",
    }),
    entry("ledger", "POST", "/entries", id("payments", "api"), { owner: "team-payments", reason: "books refunds" }),
    entry("ledger", "POST", "/entries", id("legacy", "batch"), {
      owner: "team-finance",
      reason: "old nightly batch, being retired",
      expiresAt: inDays(1),
    }),
  ]);
  // One grant that has already run out, as it would after a while, so the console shows one.
  await db.allowlistEntry.updateMany({
    where: { callerId: id("legacy", "batch") },
    data: { expiresAt: new Date(Date.now() - 3 * 86_400_000) },
  });
}
