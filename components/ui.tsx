import type {
  CSSProperties,
  InputHTMLAttributes,
  ReactNode,
  SelectHTMLAttributes,
  TextareaHTMLAttributes,
} from "react";
import { SearchIcon } from "@/components/icons";

/*
 * The console's repeated markup, shared by server and client components alike (so: no hooks here).
 * Each renders the same HTML the pages wrote out by hand: the e2e tests find it by label, role and text.
 */

/** A page's title, its subtitle (the children) and what stands at the right (buttons, a filter form). */
export function PageHeader({
  title,
  actions,
  children,
}: {
  title: ReactNode;
  actions?: ReactNode;
  children?: ReactNode;
}) {
  return (
    <div className="page-header">
      <div>
        <h1>{title}</h1>
        {children ? <p className="subtitle">{children}</p> : null}
      </div>
      {actions}
    </div>
  );
}

/** A card's header: its title and what stands at the right. */
export function CardHeader({ title, children }: { title: ReactNode; children?: ReactNode }) {
  return (
    <div className="card-header">
      <h2 style={{ fontSize: 14 }}>{title}</h2>
      {children}
    </div>
  );
}

/** A titled card of its own on a detail page: a section named by its heading. */
export function CardSection({
  id,
  title,
  marginTop = 16,
  children,
}: {
  id: string;
  title: ReactNode;
  marginTop?: number;
  children: ReactNode;
}) {
  return (
    <section className="card" style={{ marginTop }} aria-labelledby={id}>
      <div className="card-header">
        <h2 id={id} style={{ fontSize: 14 }}>
          {title}
        </h2>
      </div>
      <div className="card-body stack" style={{ gap: 10 }}>
        {children}
      </div>
    </section>
  );
}

/** What a list shows when it has nothing: an icon, a title and what to do next. */
export function EmptyState({ icon, title, children }: { icon?: ReactNode; title?: ReactNode; children?: ReactNode }) {
  return (
    <div className="empty">
      {icon ? <div className="empty-icon">{icon}</div> : null}
      {title ? <h2>{title}</h2> : null}
      {children}
    </div>
  );
}

/** One label and value of a row of numbers at the top of a page. */
export function Stat({ label, value, children }: { label: ReactNode; value: ReactNode; children?: ReactNode }) {
  return (
    <div className="card stat">
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
      {children ? <div className="stat-sub">{children}</div> : null}
    </div>
  );
}

/** A table column: its header text, or with `num` a right-aligned number column; null leaves it out. */
export type Column = string | { label: ReactNode; num?: boolean; key: string } | null | false;

/** A table's header row. `actions` names a last column of buttons for screen readers only. */
export function TableHead({ columns, actions }: { columns: Column[]; actions?: string }) {
  return (
    <thead>
      <tr>
        {columns.map((c) =>
          !c ? null : typeof c === "string" ? (
            <th key={c} scope="col">
              {c}
            </th>
          ) : (
            <th key={c.key} scope="col" className={c.num ? "num" : undefined}>
              {c.label}
            </th>
          ),
        )}
        {actions ? (
          <th scope="col">
            <span className="sr-only">{actions}</span>
          </th>
        ) : null}
      </tr>
    </thead>
  );
}

/** A table with its header row; the children are its body's rows. */
export function DataTable({
  columns,
  actions,
  label,
  className = "table",
  children,
}: {
  columns: Column[];
  actions?: string;
  label?: string;
  className?: string;
  children: ReactNode;
}) {
  return (
    <table className={className} aria-label={label}>
      <TableHead columns={columns} actions={actions} />
      <tbody>{children}</tbody>
    </table>
  );
}

/** A right-aligned number column for TableHead. */
export function num(label: string): Column {
  return { label, num: true, key: label };
}

/** A search box that submits a GET form to `action`: role search, the icon, a label for screen readers only. */
export function SearchForm({
  action,
  style = { width: 360 },
  ...input
}: { action: string; style?: CSSProperties; id: string; label: ReactNode } & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <form role="search" className="search" style={style} action={action}>
      <SearchIcon />
      <FilterInput {...input} />
    </form>
  );
}

/** A labelled form control: the label names the control through its id; an error, or else a hint, follows it. */
export function Field({
  id,
  label,
  hint,
  error,
  helpId,
  style,
  children,
}: {
  id: string;
  label: ReactNode;
  hint?: ReactNode;
  error?: ReactNode;
  /** The id of the error or hint, for the control's aria-describedby. */
  helpId?: string;
  style?: CSSProperties;
  children: ReactNode;
}) {
  return (
    <div className="field" style={style}>
      <label htmlFor={id}>{label}</label>
      {children}
      {error ? (
        <span id={helpId} className="error">
          {error}
        </span>
      ) : hint ? (
        <span id={helpId} className="hint">
          {hint}
        </span>
      ) : null}
    </div>
  );
}

type Labelled = {
  id: string;
  label: ReactNode;
  hint?: ReactNode;
  error?: ReactNode;
  /** With it, the hint or error gets this id and describes the control. */
  helpId?: string;
  fieldStyle?: CSSProperties;
};

/** A control's field props (for Field) apart from its own. */
function splitLabelled<P extends Labelled>({ id, label, hint, error, helpId, fieldStyle, ...control }: P) {
  const field = { id, label, hint, error, helpId, style: fieldStyle };
  return { field, control, describedBy: helpId && (hint || error) ? helpId : undefined };
}

/** A labelled input (class "input" unless told otherwise). */
export function TextField(props: Labelled & InputHTMLAttributes<HTMLInputElement>) {
  const { field, control, describedBy } = splitLabelled(props);
  return (
    <Field {...field}>
      <input id={field.id} className="input" aria-describedby={describedBy} {...control} />
    </Field>
  );
}

/** A labelled textarea (class "input" unless told otherwise). */
export function TextAreaField(props: Labelled & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const { field, control, describedBy } = splitLabelled(props);
  return (
    <Field {...field}>
      <textarea id={field.id} className="input" aria-describedby={describedBy} {...control} />
    </Field>
  );
}

/** A select's options as [value, text] pairs. */
export type Options = readonly (readonly [string, ReactNode])[];

/** A labelled select with its options as [value, text] pairs (or as children); class "input" unless told otherwise. */
export function SelectField({
  options,
  children,
  ...props
}: Labelled & SelectHTMLAttributes<HTMLSelectElement> & { options?: Options }) {
  const { field, control, describedBy } = splitLabelled(props);
  return (
    <Field {...field}>
      <select id={field.id} className="input" aria-describedby={describedBy} {...control}>
        {options?.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
        {children}
      </select>
    </Field>
  );
}

/** An input labelled for screen readers only (filter bars, search boxes) (class "input" unless told otherwise). */
export function FilterInput({
  id,
  label,
  ...input
}: { id: string; label: ReactNode } & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <>
      <label className="sr-only" htmlFor={id}>
        {label}
      </label>
      <input id={id} className="input" {...input} />
    </>
  );
}

/** A filter bar's select, labelled for screen readers only (class "input" unless told otherwise). */
export function FilterSelect({
  id,
  label,
  children,
  ...select
}: { id: string; label: ReactNode } & SelectHTMLAttributes<HTMLSelectElement>) {
  return (
    <>
      <label className="sr-only" htmlFor={id}>
        {label}
      </label>
      <select id={id} className="input" {...select}>
        {children}
      </select>
    </>
  );
}

/** A borderless fieldset with a legend set as a label: a group of checkboxes or radios. */
export function PlainFieldset({
  legend,
  className = "row row-wrap",
  gap = 16,
  children,
}: {
  legend: ReactNode;
  className?: string;
  gap?: number;
  children: ReactNode;
}) {
  return (
    <fieldset className={className} style={{ border: "none", padding: 0, margin: 0, gap }}>
      <legend className="label" style={{ marginBottom: 6 }}>
        {legend}
      </legend>
      {children}
    </fieldset>
  );
}

/** A credential's or token's state: revoked, expired or active. */
export function LifecycleBadge({ revoked, expired }: { revoked: boolean; expired: boolean }) {
  if (revoked) return <span className="badge badge-danger">revoked</span>;
  if (expired) return <span className="badge badge-warn">expired</span>;
  return <span className="badge badge-ok">active</span>;
}
