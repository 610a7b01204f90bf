-- The Rego language version a policy version is written in. v0 only where its owner chose to
-- keep it: tests, checks and bundles then read the module (and its _test.rego module) as v0.
CREATE TYPE "RegoVersion" AS ENUM ('v0', 'v1');

ALTER TABLE "policy_versions" ADD COLUMN "rego_version" "RegoVersion" NOT NULL DEFAULT 'v1';
