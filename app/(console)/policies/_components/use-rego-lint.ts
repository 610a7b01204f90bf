"use client";

import { useEffect, useState } from "react";
import { api, ApiError } from "@/components/api-client";
import type { EditorMarker } from "@/components/monaco";

type RegoError = { code: string; message: string; file?: string; row?: number; col?: number };
export type LintState = {
  status: "idle" | "checking" | "done" | "failed";
  errors: RegoError[];
  warnings: RegoError[];
  failure?: string;
  /** "v0" when the module does not parse as v1 but does as v0. */
  detectedRegoVersion?: "v0" | "v1";
};

const DEBOUNCE_MS = 600;

/** Lints the source with `opa check` shortly after typing stops; stale answers are discarded. */
export function useRegoLint(source: string, fileName: string, regoVersion: "v0" | "v1" = "v1"): LintState {
  const [state, setState] = useState<LintState>({ status: "idle", errors: [], warnings: [] });
  useEffect(() => {
    const controller = new AbortController();
    const timer = setTimeout(async () => {
      setState((s) => ({ ...s, status: "checking" }));
      try {
        const result = await api<Omit<LintState, "status">>("/api/v1/rego/lint", {
          body: { source, fileName, regoVersion },
          signal: controller.signal,
        });
        setState({ status: "done", ...result });
      } catch (error) {
        if (controller.signal.aborted) return;
        setState((s) => ({
          ...s,
          status: "failed",
          failure: error instanceof ApiError ? error.message : "Lint is unavailable",
        }));
      }
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [source, fileName, regoVersion]);
  return state;
}

export function toMarkers(lint: { errors: RegoError[]; warnings: RegoError[] }): EditorMarker[] {
  return [
    ...lint.errors.map((e) => ({
      row: e.row,
      col: e.col,
      message: e.message,
      code: e.code,
      severity: "error" as const,
    })),
    ...lint.warnings.map((e) => ({
      row: e.row,
      col: e.col,
      message: e.message,
      code: e.code,
      severity: "warning" as const,
    })),
  ];
}

export function regoErrorsOf(error: unknown): RegoError[] {
  return error instanceof ApiError && Array.isArray(error.problem.regoErrors)
    ? (error.problem.regoErrors as RegoError[])
    : [];
}
