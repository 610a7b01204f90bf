import { db } from "@/lib/core/db";
import type { Actor } from "@/lib/auth/actor";
import { addEndpoint } from "@/lib/allowlists/add-endpoint";
import { changeAllowlists } from "@/lib/allowlists/change-allowlists";
import { createService } from "@/lib/allowlists/create-service";
import type { TEntrySpecInput } from "@/lib/allowlists/schemas";

const TD = "prod.example.com";
const id = (ns: string, sa: string) => `spiffe://${TD}/ns/${ns}/sa/${sa}`;
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
const entry = (
  service: string,
  method: string,
  path: string,
  caller: string,
  grant: Pick<TEntrySpecInput, "owner" | "reason"> & Partial<TEntrySpecInput>,
): TEntrySpecInput => ({ service, method, path, caller, ...grant });

const SERVICES: Array<{ name: string; ownerTeam: string; endpoints: Array<[method: string, path: string]> }> = [
  {
    name: "payments",
    ownerTeam: "team-payments",
    endpoints: [
      ["POST", "/refunds"],
      ["GET", "/refunds/{id}"],
      ["GET", "/reports/*"],
      ["*", "/health"],
    ],
  },
  {
    name: "orders",
    ownerTeam: "team-checkout",
    endpoints: [
      ["POST", "/orders"],
      ["GET", "/orders/{id}"],
      ["PATCH", "/orders/{id}"],
    ],
  },
  {
    name: "inventory",
    ownerTeam: "team-fulfilment",
    endpoints: [
      ["GET", "/items/{sku}"],
      ["POST", "/reservations"],
    ],
  },
  { name: "ledger", ownerTeam: "team-finance", endpoints: [["POST", "/entries"]] },
];

/** A small, realistic allowlist for the demo seed and for screenshots. */
export async function seedSampleAllowlists(actor: Actor): Promise<void> {
  for (const { name, ownerTeam, endpoints } of SERVICES) {
    await createService({ actor, input: { name, trustDomain: TD, ownerTeam, description: "" } });
    for (const [method, path] of endpoints)
      await addEndpoint({ actor, serviceName: name, input: { method, path, description: "" } });
  }
  const grants: TEntrySpecInput[] = [
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
  ];
  const result = await changeAllowlists({
    actor,
    input: {
      upserts: grants.map((value, i) => ({ row: i + 1, value })),
      removals: [],
      mode: "merge",
      dryRun: false,
      source: "sample data",
    },
  });
  if (result.errors.length > 0) throw new Error(`sample grants refused: ${JSON.stringify(result.errors)}`);
  // One grant that has already run out, as it would after a while, so the console shows one.
  await db.allowlistEntry.updateMany({
    where: { callerId: id("legacy", "batch") },
    data: { expiresAt: new Date(Date.now() - 3 * 86_400_000) },
  });
}
