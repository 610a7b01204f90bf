import { z } from "zod";

// A bundle name is part of the URL agents poll (/api/opa/bundles/<name>) and of OPA config keys.
export const BUNDLE_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export const ZBundleName = z
  .string()
  .trim()
  .regex(
    BUNDLE_NAME_PATTERN,
    "must be 1–63 characters: lower-case letters, digits, - and _, starting with a letter or digit",
  );
