"use client";

import { TextField, PlainFieldset } from "@/components/ui";
import { DEFAULT_THRESHOLDS } from "@/lib/rollouts/judge-rollout";
import type { TRolloutThresholds } from "@/lib/rollouts/schemas";

export type RolloutOptions = {
  selector: string;
  stages: string;
  minSoakSeconds: string;
  thresholds: Record<keyof TRolloutThresholds, string>;
};

const THRESHOLD_LABELS: Array<[keyof TRolloutThresholds, string]> = [
  ["maxDenyRateIncrease", "Max deny rate increase (0–1)"],
  ["maxErrorRateIncrease", "Max error rate increase (0–1)"],
  ["maxUndefinedRateIncrease", "Max undefined rate increase (0–1)"],
  ["maxP99LatencyRatio", "Max p99 latency ratio"],
  ["maxNewCallersDenied", "Max callers denied only by the canary"],
  ["minDecisionsPerPath", "Min decisions per path"],
  ["minCanaryDecisions", "Min canary decisions per stage"],
];

export function defaultRolloutOptions(): RolloutOptions {
  return {
    selector: "",
    stages: "5, 25, 100",
    minSoakSeconds: "600",
    thresholds: Object.fromEntries(
      THRESHOLD_LABELS.map(([k]) => [k, String(DEFAULT_THRESHOLDS[k])]),
    ) as RolloutOptions["thresholds"],
  };
}

/**
 * The request's rollout fields from the form, or the first thing wrong with them (checked here
 * only for shape; the server checks the ranges and says precisely what it refuses).
 */
export function rolloutFields(
  o: RolloutOptions,
): { ok: true; body: Record<string, unknown> } | { ok: false; field: string; message: string } {
  const selector: Record<string, string> = {};
  for (const part of o.selector
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = part.indexOf("=");
    if (eq <= 0 || eq === part.length - 1)
      return { ok: false, field: "selector", message: `"${part}" is not key=value` };
    selector[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  const stages = o.stages
    .split(/[,\s]+/)
    .filter(Boolean)
    .map((s) => Number(s));
  if (stages.length === 0 || stages.some((s) => !Number.isInteger(s)))
    return { ok: false, field: "stages", message: "Stages are whole percentages, e.g. 5, 25, 100" };
  const soak = Number(o.minSoakSeconds);
  if (o.minSoakSeconds.trim() === "" || !Number.isInteger(soak))
    return { ok: false, field: "minSoakSeconds", message: "Minimum soak is a whole number of seconds" };
  const thresholds: Record<string, number> = {};
  for (const [k, label] of THRESHOLD_LABELS) {
    const v = Number(o.thresholds[k]);
    if (o.thresholds[k].trim() === "" || !Number.isFinite(v))
      return { ok: false, field: `thresholds.${k}`, message: `${label} must be a number` };
    thresholds[k] = v;
  }
  return {
    ok: true,
    body: {
      ...(Object.keys(selector).length > 0 ? { selector } : {}),
      stages,
      minSoakSeconds: soak,
      thresholds,
    },
  };
}

/** Selector, stages, soak and thresholds of a rollout to start (defaults filled in, all editable). */
export function RolloutOptionsFields({
  idPrefix,
  value,
  onChange,
  invalid,
}: {
  idPrefix: string;
  value: RolloutOptions;
  onChange: (next: RolloutOptions) => void;
  /** The field the last check refused, to mark it. */
  invalid?: string | null;
}) {
  const id = (f: string) => `${idPrefix}-${f.replace(".", "-")}`;
  const aria = (f: string) => (invalid === f ? { "aria-invalid": true as const } : {});
  return (
    <div className="stack" style={{ gap: 8 }}>
      <TextField
        id={id("selector")}
        label="Selector labels (key=value, comma separated)"
        hint="Only agents reporting every label are canaries; empty: every agent of the bundle."
        helpId={id("selector-hint")}
        placeholder="canary=true"
        value={value.selector}
        onChange={(e) => onChange({ ...value, selector: e.target.value })}
        {...aria("selector")}
      />
      <div className="row row-wrap" style={{ gap: 8 }}>
        <TextField
          id={id("stages")}
          label="Stages (% of eligible agents)"
          value={value.stages}
          onChange={(e) => onChange({ ...value, stages: e.target.value })}
          fieldStyle={{ width: 170 }}
          {...aria("stages")}
        />
        <TextField
          id={id("soak")}
          label="Min soak per stage (s)"
          inputMode="numeric"
          value={value.minSoakSeconds}
          onChange={(e) => onChange({ ...value, minSoakSeconds: e.target.value })}
          fieldStyle={{ width: 150 }}
          {...aria("minSoakSeconds")}
        />
      </div>
      <details>
        <summary className="small">Thresholds (defaults shown)</summary>
        <PlainFieldset legend="Abort or hold when" className="stack" gap={6}>
          {THRESHOLD_LABELS.map(([k, label]) => (
            <TextField
              key={k}
              id={id(`thresholds.${k}`)}
              label={label}
              inputMode="decimal"
              value={value.thresholds[k]}
              onChange={(e) => onChange({ ...value, thresholds: { ...value.thresholds, [k]: e.target.value } })}
              {...aria(`thresholds.${k}`)}
            />
          ))}
        </PlainFieldset>
      </details>
    </div>
  );
}
