import type { RegoVersion } from "@/lib/rego/rego-version";

export type RegoError = {
  code: string;
  message: string;
  file?: string;
  row?: number;
  col?: number;
};

/** A module as opa reads it; `regoVersion` "v0" reads it as Rego v0 (default v1). */
export type RegoModule = { path: string; source: string; regoVersion?: RegoVersion };

type RawRegoError = { code?: string; message?: string; location?: { file?: string; row?: number; col?: number } };

export function toRegoErrors(raw: unknown): RegoError[] {
  const list = (raw as { errors?: RawRegoError[] } | null)?.errors;
  if (!Array.isArray(list)) return [];
  return list.map((e) => ({
    code: e.code ?? "rego_error",
    message: e.message ?? "unknown error",
    file: e.location?.file,
    row: e.location?.row,
    col: e.location?.col,
  }));
}

export function parseJsonOutput(text: string): unknown {
  const trimmed = text.trim();
  if (!trimmed) return null;
  try {
    return JSON.parse(trimmed);
  } catch {
    return null;
  }
}
