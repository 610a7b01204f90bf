"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { ApiError } from "@/components/api-client";
import { toast } from "@/components/toaster";

type ActionMessages<T> = {
  /** The success toast; also the place for what else the page does on success (close a form). */
  done: (result: T) => string;
  /** The failure toast when the server gave no message of its own. */
  failed: string;
};

/**
 * One API call from a button: busy while it runs, a toast either way, and on success the server
 * components render again (router.refresh) so the page shows what changed.
 */
export function useApiAction() {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  async function run<T>(call: () => Promise<T>, messages: ActionMessages<T>): Promise<T | undefined> {
    setBusy(true);
    try {
      const result = await call();
      toast(messages.done(result));
      router.refresh();
      return result;
    } catch (e) {
      toast(e instanceof ApiError ? e.message : messages.failed, "danger");
      return undefined;
    } finally {
      setBusy(false);
    }
  }
  return { busy, run };
}
