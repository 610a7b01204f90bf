const MAX_SHOWN = 500;

/** "+ caller → service METHOD path" lines, coloured by kind, as reviewers read them. */
export function AccessDiffList({ lines }: { lines: string[] }) {
  if (lines.length === 0) return <p className="card-body muted">No change to anyone&apos;s access.</p>;
  return (
    <ul className="access-diff" aria-label="Access diff lines">
      {lines.slice(0, MAX_SHOWN).map((line) => (
        <li key={line} className={`diff-${line[0] === "+" ? "add" : line[0] === "~" ? "change" : "remove"}`}>
          {line}
        </li>
      ))}
      {lines.length > MAX_SHOWN ? <li className="muted">… and {lines.length - MAX_SHOWN} more</li> : null}
    </ul>
  );
}
