import type { ReactNode } from "react";
import type { ApiError } from "@/components/api-client";
import { PlusIcon } from "@/components/icons";
import { CardHeader, FilterInput } from "@/components/ui";

/** What the server refused, with each field's message (body.name → name: …). */
export function ProblemAlert({ error }: { error: ApiError | null }) {
  if (!error) return null;
  return (
    <div role="alert" className="alert alert-danger">
      {error.message}
      {error.problem.errors?.map((e) => (
        <div key={e.path} className="small">
          {e.path.replace("body.", "")}: {e.message}
        </div>
      ))}
    </div>
  );
}

/** A form's submit and cancel buttons. */
export function FormActions({
  submit,
  onCancel,
  busy = false,
  spinner = false,
}: {
  submit: ReactNode;
  onCancel: () => void;
  busy?: boolean;
  /** Show a spinner in the submit button while busy. */
  spinner?: boolean;
}) {
  return (
    <div className="row">
      <button type="submit" className="btn btn-primary" disabled={busy}>
        {spinner && busy ? <span className="spinner" aria-hidden /> : null}
        {spinner ? " " : null}
        {submit}
      </button>
      <button type="button" className="btn btn-ghost" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}

/** A card's create form, opened below its header; it hands the submitted fields to onSubmit. */
export function CardForm({ onSubmit, children }: { onSubmit: (form: FormData) => void; children: ReactNode }) {
  return (
    <form
      className="card-body stack"
      style={{ borderBottom: "1px solid var(--border)" }}
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit(new FormData(e.currentTarget));
      }}
    >
      {children}
    </form>
  );
}

/** The primary "+ New …" button that opens and closes a card's create form. */
export function NewButton({ open, onToggle, children }: { open: boolean; onToggle: () => void; children: ReactNode }) {
  return (
    <button type="button" className="btn btn-primary" onClick={onToggle} aria-expanded={open}>
      <PlusIcon /> {children}
    </button>
  );
}

/** A small confirm button and its Cancel, right-aligned in a table cell. */
export function ConfirmButtons({
  confirm,
  onConfirm,
  onCancel,
  danger = true,
  busy = false,
}: {
  confirm: ReactNode;
  onConfirm: () => void;
  onCancel: () => void;
  danger?: boolean;
  busy?: boolean;
}) {
  return (
    <div className="row" style={{ justifyContent: "flex-end" }}>
      <button
        type="button"
        className={`btn btn-sm ${danger ? "btn-danger" : "btn-primary"}`}
        onClick={onConfirm}
        disabled={busy}
      >
        {confirm}
      </button>
      <button type="button" className="btn btn-sm btn-ghost" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}

/** One checkbox and its label; `onToggle` receives whether it is now ticked. */
export function Checkbox({
  checked,
  onToggle,
  title,
  small = false,
  ariaLabel,
  children,
}: {
  checked: boolean;
  onToggle: (on: boolean) => void;
  title?: string;
  small?: boolean;
  ariaLabel?: string;
  children: ReactNode;
}) {
  return (
    <label className={small ? "checkbox small" : "checkbox"} title={title}>
      <input type="checkbox" checked={checked} aria-label={ariaLabel} onChange={(e) => onToggle(e.target.checked)} />{" "}
      {children}
    </label>
  );
}

/** The list with `item` added (on) or taken out (off): a checkbox group's state. */
export function toggled<T>(list: T[], item: T, on: boolean): T[] {
  return on ? [...list, item] : list.filter((x) => x !== item);
}

/** A list card whose "+ New …" button opens a create form under its header; the children are the list. */
export function CreateCard({
  title,
  action,
  open,
  onToggle,
  onSubmit,
  form,
  children,
}: {
  title: ReactNode;
  action: ReactNode;
  open: boolean;
  onToggle: () => void;
  onSubmit: (form: FormData) => void;
  form: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className="card">
      <CardHeader title={title}>
        <NewButton open={open} onToggle={onToggle}>
          {action}
        </NewButton>
      </CardHeader>
      {open ? <CardForm onSubmit={onSubmit}>{form}</CardForm> : null}
      {children}
    </div>
  );
}

/** The reason an audited action asks for, inline next to its buttons (three characters at least). */
export function ReasonInput({
  id,
  label,
  width,
  value,
  onChange,
}: {
  id: string;
  label: ReactNode;
  width: number;
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <FilterInput
      id={id}
      label={label}
      style={{ width }}
      placeholder="Reason (audited)"
      value={value}
      onChange={(e) => onChange(e.target.value)}
      minLength={3}
      required
      autoFocus
    />
  );
}
