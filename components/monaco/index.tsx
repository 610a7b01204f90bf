"use client";

import dynamic from "next/dynamic";

// Monaco touches window at import time, so it is only ever loaded in the browser.
export const RegoEditor = dynamic(() => import("./rego-editor"), {
  ssr: false,
  loading: () => (
    <div className="skeleton" style={{ height: 520, borderRadius: 0 }} role="status" aria-label="Loading editor" />
  ),
});

export const RegoDiffEditor = dynamic(() => import("./rego-diff-editor"), {
  ssr: false,
  loading: () => (
    <div className="skeleton" style={{ height: 560, borderRadius: 0 }} role="status" aria-label="Loading diff" />
  ),
});

export type { EditorMarker, LineShading, RegoEditorHandle } from "./rego-editor";
