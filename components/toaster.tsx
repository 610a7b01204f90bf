"use client";

import { useEffect, useState } from "react";

type Toast = { id: number; message: string; kind: "info" | "danger" };
const EVENT = "verdict:toast";

/** Shows a short message in the corner (announced to screen readers). */
export function toast(message: string, kind: Toast["kind"] = "info"): void {
  window.dispatchEvent(new CustomEvent(EVENT, { detail: { message, kind } }));
}

export function Toaster() {
  const [toasts, setToasts] = useState<Toast[]>([]);
  useEffect(() => {
    let next = 0;
    const onToast = (event: Event) => {
      const { message, kind } = (event as CustomEvent<Omit<Toast, "id">>).detail;
      const id = ++next;
      setToasts((t) => [...t, { id, message, kind }]);
      setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), kind === "danger" ? 8000 : 4000);
    };
    window.addEventListener(EVENT, onToast);
    return () => window.removeEventListener(EVENT, onToast);
  }, []);
  return (
    <div className="toast-region" role="status" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast ${t.kind === "danger" ? "toast-danger" : ""}`}>
          {t.message}
        </div>
      ))}
    </div>
  );
}
