"use client";

import { DiffEditor } from "@monaco-editor/react";
import "./setup-monaco";
import { REGO_LANGUAGE_ID } from "./rego-language";

export default function RegoDiffEditor({
  original,
  modified,
  height = 560,
}: {
  original: string;
  modified: string;
  height?: number;
}) {
  return (
    <DiffEditor
      height={height}
      language={REGO_LANGUAGE_ID}
      original={original}
      modified={modified}
      loading={<div className="skeleton" style={{ height, borderRadius: 0 }} role="status" aria-label="Loading diff" />}
      options={{
        readOnly: true,
        renderSideBySide: true,
        useInlineViewWhenSpaceIsLimited: false,
        minimap: { enabled: false },
        fontSize: 13,
        automaticLayout: true,
        scrollBeyondLastLine: false,
        originalEditable: false,
      }}
    />
  );
}
