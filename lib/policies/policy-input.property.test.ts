import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ZCreatePolicyRequest, ZSavePolicyVersionRequest } from "@/lib/policies/schemas";
import { declaredPackage, parsePackageRef } from "@/lib/rego/rego-package";
import { canonicalJson } from "@/lib/core/canonical-json";
import { validatePolicySource } from "@/lib/policies/validate-policy-source";
import { AppError } from "@/lib/core/errors";

const segment = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,10}$/);
const packagePath = fc
  .array(segment, { minLength: 1, maxLength: 4 })
  .map((s) => s.join("."))
  .filter((p) => !/^(system|data)(\.|$)/.test(p));

describe("policy upload parsing (property-based)", () => {
  it("never throws on arbitrary JSON bodies: it accepts or explains", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (body) => {
        for (const schema of [ZCreatePolicyRequest, ZSavePolicyVersionRequest]) {
          const result = schema.safeParse(body);
          if (!result.success) expect(result.error.issues.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("accepts dotted package names and only names that parse, in their canonical spelling", () => {
    fc.assert(
      fc.property(packagePath, (p) => {
        expect(ZCreatePolicyRequest.shape.packagePath.safeParse(p)).toEqual({ success: true, data: p });
      }),
    );
    fc.assert(
      fc.property(fc.string(), (p) => {
        const result = ZCreatePolicyRequest.shape.packagePath.safeParse(p);
        if (result.success) expect(parsePackageRef(result.data).ok).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it("reads the package line back from any module that starts with one", () => {
    fc.assert(
      fc.property(packagePath, fc.array(fc.constantFrom("# comment", "", "  ")), fc.string(), (p, preamble, rest) => {
        expect(declaredPackage([...preamble, `package ${p}`, rest].join("\n"))).toBe(p);
      }),
    );
    fc.assert(
      fc.property(fc.string(), (text) => {
        const found = declaredPackage(text);
        expect(found === null || typeof found === "string").toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it("hashes JSON canonically: key order never matters and the text parses back to the same value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
        const shuffled = JSON.parse(JSON.stringify(value), (_k, v) =>
          v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
        );
        expect(canonicalJson(shuffled)).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it("answers arbitrary module text with a 4xx AppError, never a crash", async () => {
    await fc.assert(
      fc.asyncProperty(packagePath, fc.string({ maxLength: 200 }), async (p, body) => {
        const outcome = await validatePolicySource(p, `package ${p}\n${body}`).then(
          () => "ok",
          (e: unknown) => e,
        );
        if (outcome !== "ok") {
          expect(outcome).toBeInstanceOf(AppError);
          expect((outcome as AppError).status).toBeGreaterThanOrEqual(400);
          expect((outcome as AppError).status).toBeLessThan(500);
        }
      }),
      { numRuns: 25 },
    );
  });
});
