import { FLEET_FILTER_KEYS } from "@/lib/agents/fleet-query";

/** The fleet page's filters as its URL holds them (strings, empty ones left out). */
export type FleetFilters = Partial<Record<(typeof FLEET_FILTER_KEYS)[number], string>>;

/** The filters of a page's search params; cursors and anything unknown are dropped. */
export function fleetFilters(params: Record<string, string | string[] | undefined>): FleetFilters {
  const out: FleetFilters = {};
  for (const key of FLEET_FILTER_KEYS) {
    const value = params[key];
    if (typeof value === "string" && value.trim() !== "") out[key] = value.trim();
  }
  return out;
}

/** A link to the fleet page with these filters (and a cursor); undefined values are left out. */
export function fleetHref(filters: FleetFilters, extra: Record<string, string | undefined> = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...filters, ...extra })) if (value) search.set(key, value);
  const s = search.toString();
  return s ? `/fleet?${s}` : "/fleet";
}
