let counter = 0;

/** A unique, valid policy create request. */
export function policyInput(
  overrides: Partial<{
    name: string;
    packagePath: string;
    owner: string;
    description: string;
    source: string;
    message: string;
  }> = {},
) {
  counter += 1;
  const packagePath = overrides.packagePath ?? `test.p${Date.now().toString(36)}${process.pid}${counter}`;
  return {
    name: overrides.name ?? `Test policy ${counter}`,
    packagePath,
    owner: overrides.owner ?? "test-team",
    description: overrides.description ?? "",
    source: overrides.source ?? `package ${packagePath}\n\ndefault allow := false\n\nallow if input.user == "alice"\n`,
    message: overrides.message ?? "",
  };
}
