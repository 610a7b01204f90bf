"use client";

import { useEffect, useState } from "react";
import Link from "next/link";
import { CheckIcon } from "@/components/icons";
import type { GettingStartedStep } from "@/lib/onboarding/getting-started";
import { ProgressBar } from "@/components/progress-bar";

const DISMISSED = "verdict.getting-started.dismissed";

/** The first loop, ticked off from the installation's real state; dismissed per browser. */
export function GettingStarted({ steps }: { steps: GettingStartedStep[] }) {
  const [dismissed, setDismissed] = useState<boolean | null>(null);
  useEffect(() => setDismissed(window.localStorage.getItem(DISMISSED) === "1"), []);
  const done = steps.filter((s) => s.done).length;
  const next = steps.find((s) => !s.done);

  if (dismissed === null) return null;
  if (dismissed) {
    return (
      <button
        type="button"
        className="btn btn-sm"
        onClick={() => {
          window.localStorage.removeItem(DISMISSED);
          setDismissed(false);
        }}
      >
        Show the getting-started checklist
      </button>
    );
  }
  return (
    <section className="card" aria-labelledby="getting-started-title">
      <div className="card-header">
        <h2 id="getting-started-title" style={{ fontSize: 14 }}>
          Getting started: {done} of {steps.length} done
        </h2>
        <button
          type="button"
          className="btn btn-sm btn-ghost"
          onClick={() => {
            window.localStorage.setItem(DISMISSED, "1");
            setDismissed(true);
          }}
        >
          Dismiss
        </button>
      </div>
      <div className="card-body stack">
        <ProgressBar label="Getting started" percent={Math.round((100 * done) / steps.length)} />
        <ol className="checklist">
          {steps.map((step) => (
            <li
              key={step.id}
              data-step={step.id}
              data-done={step.done}
              aria-current={step === next ? "step" : undefined}
            >
              <span className={`checklist-mark${step.done ? " checklist-done" : ""}`} aria-hidden="true">
                {step.done ? <CheckIcon /> : null}
              </span>
              <div>
                <Link href={step.href} className="checklist-title">
                  {step.title}
                </Link>
                <span className="sr-only">{step.done ? " (done)" : " (to do)"}</span>
                <div className="muted small">{step.detail}</div>
              </div>
            </li>
          ))}
        </ol>
      </div>
    </section>
  );
}
