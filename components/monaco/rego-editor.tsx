"use client";

import { useEffect, useRef } from "react";
import Editor, { type OnMount } from "@monaco-editor/react";
import { monaco } from "./setup-monaco";
import { REGO_LANGUAGE_ID } from "./rego-language";

export type EditorMarker = {
  row?: number;
  col?: number;
  message: string;
  severity: "error" | "warning";
  code?: string;
};
export type LineShading = { covered: number[]; notCovered: number[] };

export type RegoEditorHandle = { revealLine: (line: number, col?: number) => void; focus: () => void };

type Props = {
  value: string;
  onChange?: (value: string) => void;
  markers?: EditorMarker[];
  coverage?: LineShading | null;
  readOnly?: boolean;
  height?: number | string;
  language?: string;
  ariaLabel?: string;
  onSave?: () => void;
  onFormat?: () => void;
  /** Ctrl/Cmd+Enter: run the tests. */
  onRun?: () => void;
  onReady?: (handle: RegoEditorHandle) => void;
};

const MARKER_OWNER = "opa";

export default function RegoEditor({
  value,
  onChange,
  markers = [],
  coverage,
  readOnly,
  height = 520,
  language = REGO_LANGUAGE_ID,
  ariaLabel,
  onSave,
  onFormat,
  onRun,
  onReady,
}: Props) {
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const decorations = useRef<monaco.editor.IEditorDecorationsCollection | null>(null);
  const callbacks = useRef({ onSave, onFormat, onRun });
  callbacks.current = { onSave, onFormat, onRun };

  const onMount: OnMount = (editor) => {
    editorRef.current = editor;
    decorations.current = editor.createDecorationsCollection();
    // Per-instance key handling: `addCommand` keybindings are global in Monaco (the last editor to
    // register wins), which breaks with several editors on a page or one that has unmounted.
    editor.onKeyDown((e) => {
      const mod = e.ctrlKey || e.metaKey;
      const action =
        mod && !e.shiftKey && e.keyCode === monaco.KeyCode.KeyS
          ? callbacks.current.onSave
          : mod && e.keyCode === monaco.KeyCode.Enter
            ? callbacks.current.onRun
            : e.shiftKey && e.altKey && e.keyCode === monaco.KeyCode.KeyF
              ? callbacks.current.onFormat
              : undefined;
      if (!action) return;
      e.preventDefault();
      e.stopPropagation();
      action();
    });
    onReady?.({
      revealLine: (line, col = 1) => {
        editor.revealLineInCenter(line);
        editor.setPosition({ lineNumber: line, column: col });
        editor.focus();
      },
      focus: () => editor.focus(),
    });
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new value resets the model, which drops its markers; set them again
  useEffect(() => {
    const model = editorRef.current?.getModel();
    if (!model) return;
    monaco.editor.setModelMarkers(
      model,
      MARKER_OWNER,
      markers.map((m) => {
        const line = Math.min(Math.max(m.row ?? 1, 1), model.getLineCount());
        return {
          startLineNumber: line,
          startColumn: m.col ?? 1,
          endLineNumber: line,
          endColumn: model.getLineMaxColumn(line),
          message: m.code ? `${m.message} (${m.code})` : m.message,
          severity: m.severity === "error" ? monaco.MarkerSeverity.Error : monaco.MarkerSeverity.Warning,
          source: "opa check",
        };
      }),
    );
  }, [markers, value]);

  useEffect(() => {
    const shade = (lines: number[], className: string) =>
      lines.map((line) => ({
        range: new monaco.Range(line, 1, line, 1),
        options: { isWholeLine: true, linesDecorationsClassName: className },
      }));
    decorations.current?.set(
      coverage
        ? [...shade(coverage.covered, "coverage-covered"), ...shade(coverage.notCovered, "coverage-missed")]
        : [],
    );
  }, [coverage]);

  return (
    <Editor
      height={height}
      language={language}
      value={value}
      onChange={(v) => onChange?.(v ?? "")}
      onMount={onMount}
      theme="vs"
      loading={
        <div
          className="skeleton"
          style={{ height: typeof height === "number" ? height : 400, borderRadius: 0 }}
          role="status"
          aria-label="Loading editor"
        />
      }
      options={{
        readOnly,
        minimap: { enabled: false },
        fontSize: 13,
        tabSize: language === "json" ? 2 : 4,
        insertSpaces: language === "json",
        scrollBeyondLastLine: false,
        renderWhitespace: "selection",
        automaticLayout: true,
        ariaLabel: ariaLabel ?? "Rego source",
        glyphMargin: false,
        lineDecorationsWidth: 8,
      }}
    />
  );
}
