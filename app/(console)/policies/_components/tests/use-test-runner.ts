"use client";

import { useCallback, useState } from "react";
import { api, ApiError } from "@/components/api-client";
import { toast } from "@/components/toaster";
import type { TTestCase } from "@/lib/policy-tests/schemas";
import type { TestRunView } from "@/lib/policy-tests/test-run-views";

export type RunSubject = {
  source: string;
  testSource: string;
  cases: TTestCase[];
  basedOnVersion: number;
  regoVersion: "v0" | "v1";
};

export type TestRunner = {
  run: TestRunView | null;
  /** "all" while a full run is in flight, or the id of the case being re-run. */
  running: "all" | string | null;
  /** The policy source the shown run evaluated: coverage applies only while the editor still holds it. */
  ranSource: string | null;
  failure: string | null;
  historyKey: number;
  runAll: (subject: RunSubject) => Promise<void>;
  rerunCase: (subject: RunSubject, caseId: string) => Promise<void>;
  showRun: (runId: string) => Promise<void>;
};

/** Runs the editor's content (saved or not) and keeps the shown run; a single case re-run is merged in. */
export function useTestRunner(
  policyId: string,
  initial: { run: TestRunView | null; source: string | null },
): TestRunner {
  const [run, setRun] = useState<TestRunView | null>(initial.run);
  const [ranSource, setRanSource] = useState<string | null>(initial.source);
  const [running, setRunning] = useState<TestRunner["running"]>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [historyKey, setHistoryKey] = useState(0);

  const post = useCallback(
    (subject: RunSubject, caseIds?: string[]) =>
      api<TestRunView>(`/api/v1/policies/${policyId}/test-runs`, {
        body: {
          inline: {
            source: subject.source,
            testSource: subject.testSource,
            cases: subject.cases,
            basedOnVersion: subject.basedOnVersion,
            regoVersion: subject.regoVersion,
          },
          ...(caseIds ? { caseIds } : {}),
        },
      }),
    [policyId],
  );

  const runAll = useCallback(
    async (subject: RunSubject) => {
      setRunning("all");
      setFailure(null);
      try {
        const result = await post(subject);
        setRun(result);
        setRanSource(subject.source);
        setHistoryKey((k) => k + 1);
        const s = result.summary;
        toast(
          result.passed ? `All ${s.passed} tests passed` : `${s.failed} failed, ${s.errors} errors, ${s.passed} passed`,
          result.passed ? "info" : "danger",
        );
      } catch (error) {
        setFailure(
          error instanceof ApiError
            ? describeProblem(error)
            : "The tests could not be run: the server could not be reached",
        );
      } finally {
        setRunning(null);
      }
    },
    [post],
  );

  const rerunCase = useCallback(
    async (subject: RunSubject, caseId: string) => {
      setRunning(caseId);
      try {
        const result = await post(subject, [caseId]);
        const fresh = result.cases[0];
        if (fresh)
          setRun((current) =>
            current
              ? {
                  ...current,
                  cases: current.cases.some((c) => c.id === caseId)
                    ? current.cases.map((c) => (c.id === caseId ? fresh : c))
                    : [...current.cases, fresh],
                }
              : result,
          );
        toast(
          fresh?.status === "passed"
            ? `“${fresh.name}” passes`
            : `“${fresh?.name ?? "case"}” ${fresh?.status ?? "did not run"}`,
          fresh?.status === "passed" ? "info" : "danger",
        );
      } catch (error) {
        toast(error instanceof ApiError ? error.message : "Re-run failed", "danger");
      } finally {
        setRunning(null);
      }
    },
    [post],
  );

  const showRun = useCallback(
    async (runId: string) => {
      try {
        setRun(await api<TestRunView>(`/api/v1/policies/${policyId}/test-runs/${runId}`));
        setRanSource(null);
      } catch (error) {
        toast(error instanceof ApiError ? error.message : "Could not load the run", "danger");
      }
    },
    [policyId],
  );

  return { run, running, ranSource, failure, historyKey, runAll, rerunCase, showRun };
}

function describeProblem(error: ApiError): string {
  const fields = error.problem.errors?.map((e) => `${e.path.replace(/^body\.inline\./, "")}: ${e.message}`) ?? [];
  return fields.length ? `${error.message} — ${fields.join("; ")}` : error.message;
}
