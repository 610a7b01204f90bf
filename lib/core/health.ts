import { pool } from "@/lib/core/db";

export async function checkHealth(): Promise<{ ok: boolean; database: "up" | "down" }> {
  try {
    await pool().query("SELECT 1");
    return { ok: true, database: "up" };
  } catch {
    return { ok: false, database: "down" };
  }
}
