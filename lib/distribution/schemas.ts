import { z } from "zod";
import { ZBundleName } from "@/lib/bundles/bundle-names";

export const ZTargetName = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "lowercase letters, digits and dashes, up to 63");

// A registry or S3 endpoint's base URL: scheme, host and port only (S3 is addressed path-style).
const ZEndpoint = z
  .string()
  .trim()
  .max(500)
  .url()
  .refine((v) => /^https?:$/.test(new URL(v).protocol), "must be http or https")
  .refine((v) => {
    const u = new URL(v);
    return (u.pathname === "/" || u.pathname === "") && !u.search && !u.hash && !u.username && !u.password;
  }, "must be a base URL without a path, query or credentials")
  .transform((v) => new URL(v).origin);

// The OCI distribution spec's grammar for repository names and tags.
const ZRepository = z
  .string()
  .trim()
  .max(255)
  .regex(
    /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/,
    "an OCI repository name such as policies/payments",
  );
const ZTag = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/, "an OCI tag such as latest");

const ZBucket = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "an S3 bucket name");
const ZKey = z
  .string()
  .trim()
  .min(1)
  .max(1024)
  .refine((v) => !v.startsWith("/") && !v.split("/").some((s) => s === "" || s === "." || s === ".."), {
    message: "an object key such as bundles/payments.tar.gz (no leading slash, empty, . or .. segments)",
  });

const ZSecret = z.string().min(1).max(4096);

export const ZOciCredentials = z.discriminatedUnion("auth", [
  z.object({ auth: z.literal("none") }),
  z.object({ auth: z.literal("basic"), username: z.string().min(1).max(256), password: ZSecret }),
  z.object({ auth: z.literal("bearer"), token: ZSecret }),
]);
export type TOciCredentials = z.infer<typeof ZOciCredentials>;

export const ZS3Credentials = z.object({
  accessKeyId: z.string().trim().min(1).max(256),
  secretAccessKey: ZSecret,
});
export type TS3Credentials = z.infer<typeof ZS3Credentials>;

export const ZCreateTargetRequest = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("oci"),
    name: ZTargetName,
    url: ZEndpoint,
    repository: ZRepository,
    tag: ZTag.default("latest"),
    credentials: ZOciCredentials.default({ auth: "none" }),
  }),
  z.object({
    kind: z.literal("s3"),
    name: ZTargetName,
    url: ZEndpoint,
    bucket: ZBucket,
    key: ZKey,
    region: z
      .string()
      .trim()
      .regex(/^[a-z0-9-]{1,32}$/, "an AWS region such as us-east-1")
      .default("us-east-1"),
    credentials: ZS3Credentials,
  }),
]);
export type TCreateTargetRequest = z.infer<typeof ZCreateTargetRequest>;

export const ZTargetParams = z.object({ name: ZBundleName, target: ZTargetName });
