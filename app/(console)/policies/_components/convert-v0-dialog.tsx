"use client";

import { useEscapeKey } from "@/components/use-escape-key";
import { useEffect, useState } from "react";
import { api, ApiError } from "@/components/api-client";
import { RegoDiffEditor } from "@/components/monaco";

type Conversion = { detected: "v0" | "v1" | null; converted?: string; error?: string; line?: number };
export type Converted = { source: string; testSource: string };

type State =
  | { status: "converting" }
  | { status: "failed"; file: string; message: string; line?: number }
  | { status: "ready"; converted: Converted; testsChanged: boolean };

/**
 * Converts the policy (and its test module, when that is v0 too) with the pinned `opa fmt --v0-v1`
 * and shows the diff before anything is saved. A module that cannot be converted says which line
 * to change; keeping the policy in v0 stays possible.
 */
export function ConvertV0Dialog({
  source,
  testSource,
  fileName,
  nextVersion,
  canWrite,
  keptAsV0,
  onSave,
  onKeepV0,
  onClose,
}: {
  source: string;
  testSource: string;
  fileName: string;
  nextVersion: number;
  canWrite: boolean;
  keptAsV0: boolean;
  onSave: (converted: Converted) => void;
  onKeepV0: () => void;
  onClose: () => void;
}) {
  const [state, setState] = useState<State>({ status: "converting" });
  const [showTests, setShowTests] = useState(false);

  useEffect(() => {
    let live = true;
    const convert = (text: string) => api<Conversion>("/api/v1/rego/convert-v0", { body: { source: text } });
    (async () => {
      try {
        const [policy, tests] = await Promise.all([convert(source), testSource.trim() ? convert(testSource) : null]);
        if (!live) return;
        const testFile = fileName.replace(/policy\.rego$/, "policy_test.rego");
        if (policy.detected !== "v0" || !policy.converted) {
          const message =
            policy.error ??
            (policy.detected === "v1" ? "The module is already Rego v1." : "The module does not parse.");
          return setState({ status: "failed", file: fileName, message, line: policy.line });
        }
        if (tests?.detected === "v0" && !tests.converted)
          return setState({ status: "failed", file: testFile, message: tests.error ?? "", line: tests.line });
        const convertedTests = tests?.detected === "v0" ? tests.converted! : testSource;
        setState({
          status: "ready",
          converted: { source: policy.converted, testSource: convertedTests },
          testsChanged: convertedTests !== testSource,
        });
      } catch (error) {
        if (live)
          setState({
            status: "failed",
            file: fileName,
            message: error instanceof ApiError ? error.message : "The server could not be reached",
          });
      }
    })();
    return () => {
      live = false;
    };
  }, [source, testSource, fileName]);

  useEscapeKey(onClose);

  return (
    <div className="dialog-backdrop" role="presentation">
      <div className="dialog dialog-wide" role="dialog" aria-modal="true" aria-labelledby="convert-title">
        <header>
          <h2 id="convert-title">Convert to Rego v1</h2>
          <p className="muted">
            <code>opa fmt --v0-v1</code> rewrites the module so that it means the same in Rego v0 and v1. Left: now;
            right: converted. Nothing is saved until you save.
          </p>
        </header>
        <div className="dialog-body" aria-live="polite">
          {state.status === "converting" ? (
            <div className="skeleton" style={{ height: 420 }} role="status" aria-label="Converting with opa" />
          ) : state.status === "failed" ? (
            <div role="alert" className="alert alert-danger">
              <strong>{state.file} cannot be converted as it is.</strong> {state.message}
              {keptAsV0 ? null : " Change that line, or keep the policy in Rego v0 for now."}
            </div>
          ) : (
            <>
              {state.testsChanged ? (
                <div className="tabs" role="tablist" aria-label="Converted files">
                  <button type="button" role="tab" aria-selected={!showTests} onClick={() => setShowTests(false)}>
                    {fileName.split("/").pop()}
                  </button>
                  <button type="button" role="tab" aria-selected={showTests} onClick={() => setShowTests(true)}>
                    policy_test.rego
                  </button>
                </div>
              ) : null}
              <div className="editor-frame" data-testid="conversion-diff">
                <RegoDiffEditor
                  original={showTests ? testSource : source}
                  modified={showTests ? state.converted.testSource : state.converted.source}
                  height={420}
                />
              </div>
            </>
          )}
        </div>
        <footer>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          {canWrite && !keptAsV0 ? (
            <button type="button" className="btn" onClick={onKeepV0}>
              Keep as Rego v0
            </button>
          ) : null}
          {canWrite ? (
            <button
              type="button"
              className="btn btn-primary"
              disabled={state.status !== "ready"}
              onClick={() => state.status === "ready" && onSave(state.converted)}
              autoFocus
            >
              Save converted as v{nextVersion}
            </button>
          ) : null}
        </footer>
      </div>
    </div>
  );
}
