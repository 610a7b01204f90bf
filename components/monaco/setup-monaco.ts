"use client";

import * as monaco from "monaco-editor";
import { loader } from "@monaco-editor/react";
import { registerRego } from "./rego-language";

// Workers come from our own bundle (no CDN, and never the slow main-thread fallback).
self.MonacoEnvironment = {
  getWorker(_workerId: string, label: string) {
    if (label === "json") {
      return new Worker(new URL("monaco-editor/language/json/json.worker", import.meta.url), { type: "module" });
    }
    return new Worker(new URL("monaco-editor/editor/editor.worker", import.meta.url), { type: "module" });
  },
};

// @monaco-editor/react loads Monaco from a CDN unless it is handed the local package.
loader.config({ monaco });
registerRego(monaco);

export { monaco };
