/** One policy to tick for a bundle: its name and package. */
export function PolicyCheckbox({
  policy,
  checked,
  onChange,
}: {
  policy: { name: string; packagePath: string };
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  return (
    <label className="checkbox">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} /> {policy.name}{" "}
      <code className="small">{policy.packagePath}</code>
    </label>
  );
}
