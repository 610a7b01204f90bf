import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { zipSync, strToU8 } from "fflate";

export type GeneratedRepository = Record<string, string>;

/**
 * A repository as teams keep one: library packages (some spread over two files, some importing
 * another library and reading a data document), application packages importing two libraries,
 * `_test.rego` files beside them (some split over two files), data.json documents under config/
 * and one at the root. With `outcomes`, a few tests fail, error (a conflict) or are skipped.
 */
export function generatePolicyRepository(options: {
  libraries: number;
  applications: number;
  testsPerPackage: number;
  outcomes?: boolean;
}): GeneratedRepository {
  const { libraries, applications, testsPerPackage } = options;
  const files: GeneratedRepository = {};
  files["data.json"] = `${JSON.stringify({ global: { max_amount: 1000 } }, null, 2)}\n`;
  for (let i = 0; i < libraries; i++) {
    const pkg = `lib.l${i}`;
    const dir = `lib/l${i}`;
    const usesData = i % 2 === 0;
    const importsLib = i > 0 && i % 3 === 0;
    if (usesData) files[`config/l${i}/data.json`] = `${JSON.stringify({ limit: 100 + i })}\n`;
    const head = [`package ${pkg}`, "", ...(importsLib ? [`import data.lib.l${i - 1}`] : [])];
    const roles = `{"admin", "editor_${i}"}`;
    const limit = usesData ? `data.config.l${i}.limit` : `${50 + i}`;
    const rules = [
      `is_allowed_role(r) if r in ${roles}`,
      `limit := ${limit}`,
      `under_limit(amount) if amount <= limit`,
      `pick := v if some v in input.vals`,
      ...(importsLib ? [`chained_role(r) if l${i - 1}.is_allowed_role(r)`] : []),
    ];
    if (i % 4 === 1) {
      files[`${dir}/roles.rego`] = `${[...head, "", rules[0], rules[3], ...rules.slice(4)].join("\n")}\n`;
      files[`${dir}/limits.rego`] = `${[`package ${pkg}`, "", `# limits of ${pkg}`, rules[1], rules[2]].join("\n")}\n`;
    } else {
      files[`${dir}/lib.rego`] = `${[...head, "", ...rules].join("\n")}\n`;
    }
    const tests = Array.from({ length: testsPerPackage }, (_, t) => {
      if (t % 2 === 0) return `test_role_${t} if is_allowed_role("editor_${i}")`;
      if (t % 3 === 0) return `test_limit_${t} if under_limit(${usesData ? 100 + i : 50 + i})`;
      return `test_not_role_${t} if not is_allowed_role("guest_${t}")`;
    });
    if (options.outcomes && i === 0) tests.push(`test_conflict if pick == 1 with input.vals as [1, 2]`);
    if (options.outcomes && i === 1) tests.push(`todo_test_later if false`);
    files[`${dir}/lib_test.rego`] = `${[`package ${pkg}`, "", ...tests].join("\n")}\n`;
  }
  for (let k = 0; k < applications; k++) {
    const a = k % libraries;
    const b = (k * 7 + 3) % libraries;
    const pkg = `apps.p${k}`;
    const dir = `apps/p${k}`;
    const limitOf = (n: number) => (n % 2 === 0 ? 100 + n : 50 + n);
    files[`${dir}/policy.rego`] = `${[
      `package ${pkg}`,
      "",
      `import data.lib.l${a}`,
      ...(a === b ? [] : [`import data.lib.l${b}`]),
      "",
      "default allow := false",
      "",
      "allow if {",
      `\tl${a}.is_allowed_role(input.role)`,
      `\tl${b}.under_limit(input.amount)`,
      "\tinput.amount <= data.global.max_amount",
      "}",
      "",
      `reasons contains "role" if not l${a}.is_allowed_role(input.role)`,
    ].join("\n")}\n`;
    const tests = Array.from({ length: testsPerPackage }, (_, t) => {
      const amount = t % 2 === 0 ? limitOf(b) : limitOf(b) + 1;
      const expectAllow = t % 2 === 0;
      return `test_case_${t} if ${expectAllow ? "" : "not "}p${k}.allow with input as {"role": "editor_${a}", "amount": ${amount}}`;
    });
    if (options.outcomes && k === 0) tests.push(`test_wrong if p${k}.allow with input as {"role": "guest"}`);
    const testHead = [`package ${pkg}_test`, "", `import data.apps.p${k}`, ""];
    if (k % 5 === 2) {
      const half = Math.ceil(tests.length / 2);
      files[`${dir}/policy_test.rego`] = `${[...testHead, ...tests.slice(0, half)].join("\n")}\n`;
      files[`${dir}/more_test.rego`] = `${[...testHead, ...tests.slice(half)].join("\n")}\n`;
    } else {
      files[`${dir}/policy_test.rego`] = `${[...testHead, ...tests].join("\n")}\n`;
    }
  }
  files["README.md"] = "# Policies\n\nRun `opa test .`\n";
  return files;
}

export function writeRepository(dir: string, files: GeneratedRepository): void {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
}

/** A zip of the files inside one top folder, as GitHub's "Download ZIP" makes it. */
export function zipRepository(files: GeneratedRepository, folder = "policies-main"): Buffer {
  return Buffer.from(
    zipSync(Object.fromEntries(Object.entries(files).map(([n, c]) => [`${folder}/${n}`, strToU8(c)]))),
  );
}
