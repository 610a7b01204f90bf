// Next.js calls register() once per server process, before it accepts requests; lib/boot.ts says what starts.
export async function register(): Promise<void> {
  // The literal NEXT_RUNTIME check is the documented Next.js idiom: it lets the edge build drop
  // the Node-only import (pg, crypto) entirely.
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { boot } = await import("@/lib/boot");
    await boot();
  }
}
