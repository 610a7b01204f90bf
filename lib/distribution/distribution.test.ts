import { describe, expect, it } from "vitest";
import { sha256Hex } from "@/lib/core/sha256";
import { BUNDLE_LAYER_MEDIA_TYPE, bundleManifest } from "@/lib/distribution/oci-registry";
import { ZCreateTargetRequest } from "@/lib/distribution/schemas";
import { retryDelayMs } from "@/lib/distribution/sync-target";
import { targetAgentSource } from "@/lib/distribution/target-agent-source";

describe("target requests", () => {
  const oci = { kind: "oci", name: "reg", url: "https://registry.example.com/", repository: "policies/payments" };

  it("default the tag and credentials, and keep only the origin of the URL", () => {
    expect(ZCreateTargetRequest.parse(oci)).toEqual({
      ...oci,
      url: "https://registry.example.com",
      tag: "latest",
      credentials: { auth: "none" },
    });
  });

  it("refuse URLs with a path or credentials, bad repository names, tags and object keys", () => {
    for (const url of ["https://r.example.com/v2", "https://u:p@r.example.com", "file:///etc", "ftp://r.example.com"])
      expect(ZCreateTargetRequest.safeParse({ ...oci, url }).success, url).toBe(false);
    for (const repository of ["Policies", "a//b", "-a", "a/"])
      expect(ZCreateTargetRequest.safeParse({ ...oci, repository }).success, repository).toBe(false);
    expect(ZCreateTargetRequest.safeParse({ ...oci, tag: ".hidden" }).success).toBe(false);
    const s3 = {
      kind: "s3",
      name: "b",
      url: "http://127.0.0.1:7070",
      bucket: "bundles",
      credentials: { accessKeyId: "A", secretAccessKey: "S" },
    };
    for (const key of ["/abs", "a//b", "a/../b", "./a", ""])
      expect(ZCreateTargetRequest.safeParse({ ...s3, key }).success, key).toBe(false);
    expect(ZCreateTargetRequest.parse({ ...s3, key: "opa/b.tar.gz" })).toMatchObject({ region: "us-east-1" });
  });
});

describe("retry backoff", () => {
  it("doubles from 5 s and stops growing at 10 min", () => {
    expect([1, 2, 3, 4].map(retryDelayMs)).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect(retryDelayMs(30)).toBe(600_000);
  });
});

describe("the OCI manifest", () => {
  it("names the tarball as its one layer, by the media type OPA looks for", () => {
    const bundle = Buffer.from("not really a tarball");
    const manifest = JSON.parse(bundleManifest(bundle, "r7").toString());
    expect(manifest.layers).toEqual([
      expect.objectContaining({ mediaType: BUNDLE_LAYER_MEDIA_TYPE, digest: `sha256:${sha256Hex(bundle)}`, size: 20 }),
    ]);
    expect(manifest.config).toEqual({
      mediaType: "application/vnd.oci.image.config.v1+json",
      digest: `sha256:${sha256Hex("{}")}`,
      size: 2,
    });
    expect(manifest.annotations["org.opencontainers.image.revision"]).toBe("r7");
  });
});

describe("agent sources", () => {
  const base = {
    name: "eu",
    url: "http://127.0.0.1:5000",
    location: "verdict/authz",
    reference: "latest",
    region: null,
  };

  it("point an OCI service at the full reference, with plain user:password for basic auth", () => {
    expect(targetAgentSource({ ...base, kind: "oci", auth: "basic" })).toMatchObject({
      serviceName: "oci-eu",
      service: {
        url: "http://127.0.0.1:5000",
        type: "oci",
        credentials: { bearer: { scheme: "Basic", token: "${VERDICT_REGISTRY_CREDENTIALS}" } },
      },
      resource: "127.0.0.1:5000/verdict/authz:latest",
    });
    expect(targetAgentSource({ ...base, kind: "oci", auth: "none" }).service).not.toHaveProperty("credentials");
  });

  it("address a bucket path-style and sign with the agent's environment credentials", () => {
    expect(
      targetAgentSource({ ...base, kind: "s3", auth: "sigv4", location: "bundles", reference: "opa/authz.tar.gz" }),
    ).toMatchObject({
      serviceName: "s3-eu",
      service: { url: "http://127.0.0.1:5000/bundles", credentials: { s3_signing: { environment_credentials: {} } } },
      resource: "opa/authz.tar.gz",
    });
  });
});
