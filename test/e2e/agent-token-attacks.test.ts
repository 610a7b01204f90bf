import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import {
  decodeProtectedHeader,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  importJWK,
  SignJWT,
  type CryptoKey,
  type JWK,
} from "jose";
import { db, pool } from "@/lib/core/db";
import type { Actor } from "@/lib/auth/actor";
import { AGENT_TOKEN_AUDIENCE, AGENT_TOKEN_ISSUER, AGENT_TOKEN_TYPE } from "@/lib/agents/agent-jwt";
import { agentTokenSigningKey } from "@/lib/agents/agent-token-keys";
import { listedPublicKeys } from "@/lib/agents/bundle-scope";
import { publishChangeRequest } from "@/lib/publishing/publish-change-request";
import { createTestUser } from "@/test/factories/actors";
import { basicAuth, createTestAgentCredential, eventually } from "@/test/factories/agents";
import { approvedScenario, createTestBundle, TEST_OVERRIDE } from "@/test/factories/bundles";
import { decisionEvent, gzipJson } from "@/test/factories/decisions";
import { appUrl, callApi, tokenFor } from "@/test/support/api";

// JWT attacks against every endpoint an OPA agent calls with an access token from
// POST /api/opa/token, over HTTP against the running app. lib/agents/agent-jwt.test.ts covers the
// verifier in isolation; this proves the routes use it and that a refused token serves or stores nothing.

type Credential = Awaited<ReturnType<typeof createTestAgentCredential>>;
type Endpoint = "bundle" | "status" | "logs";
const ENDPOINTS: Endpoint[] = ["bundle", "status", "logs"];
const marker = `jwt-attack-${randomUUID().slice(0, 8)}`;

let admin: Actor;
let bundleName: string;
let otherBundle: string;
let agent: Credential;
let outsider: Credential;
let genuine: string;
let realKey: { kid: string; key: CryptoKey };
let publicJwk: JWK;

/** Calls one agent endpoint; `instance` labels what a status report or decision would be stored under. */
async function call(endpoint: Endpoint, token: string, instance: string): Promise<Response> {
  const authorization = `Bearer ${token}`;
  if (endpoint === "bundle") return fetch(`${appUrl()}/api/opa/bundles/${bundleName}`, { headers: { authorization } });
  if (endpoint === "status") {
    const report = {
      labels: { id: randomUUID(), version: "1.22.2", instance },
      bundles: {},
      plugins: { status: { state: "OK" } },
    };
    return fetch(`${appUrl()}/api/opa/status`, {
      method: "POST",
      headers: { authorization, "content-type": "application/json" },
      body: JSON.stringify(report),
    });
  }
  const body = gzipJson([decisionEvent({ labels: { id: randomUUID(), version: "1.22.2", instance } })]);
  return fetch(`${appUrl()}/api/opa/logs`, {
    method: "POST",
    headers: { authorization, "content-type": "application/json", "content-encoding": "gzip" },
    body: new Uint8Array(body),
  });
}

async function issueToken(credential: Credential): Promise<string> {
  const res = await fetch(`${appUrl()}/api/opa/token`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: basicAuth(credential.credential.clientId!, credential.secret),
    },
    body: "grant_type=client_credentials",
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: AGENT_TOKEN_ISSUER,
    aud: AGENT_TOKEN_AUDIENCE,
    sub: agent.credential.id,
    jti: randomUUID(),
    iat: now,
    nbf: now,
    exp: now + 120,
    ...overrides,
  };
}

/** Signed with the app's real private key: only the claims are wrong. */
function signedByApp(overrides: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims(overrides))
    .setProtectedHeader({ alg: "ES256", kid: realKey.kid, typ: AGENT_TOKEN_TYPE })
    .sign(realKey.key);
}

function hs256(secret: string): Promise<string> {
  return new SignJWT(claims())
    .setProtectedHeader({ alg: "HS256", kid: realKey.kid, typ: AGENT_TOKEN_TYPE })
    .sign(new TextEncoder().encode(secret));
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** The genuine token with one claim changed and the original signature kept. */
function tampered(token: string, change: (payload: Record<string, unknown>) => void): string {
  const [header, payload, signature] = token.split(".");
  const decoded = JSON.parse(Buffer.from(payload!, "base64url").toString()) as Record<string, unknown>;
  change(decoded);
  return `${header}.${b64(decoded)}.${signature}`;
}

async function expectRefused(res: Response, status: 401 | 403): Promise<void> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const body = (await res.json()) as { status: number; detail?: string };
  expect(body.status).toBe(status);
  if (status === 401) expect(res.headers.get("www-authenticate")).toBe('Bearer realm="verdict"');
}

async function expectAccepted(endpoint: Endpoint, res: Response): Promise<void> {
  expect(res.status).toBe({ bundle: 200, status: 204, logs: 200 }[endpoint]);
  if (endpoint === "bundle") expect(res.headers.get("content-type")).toBe("application/vnd.openpolicyagent.bundles");
  await res.arrayBuffer();
}

const storedAgents = async (identity: string) =>
  Number((await pool().query("SELECT count(*) FROM agents WHERE identity = $1", [identity])).rows[0].count);
const storedDecisions = async (agentLabel: string) =>
  Number((await pool().query("SELECT count(*) FROM decisions WHERE agent = $1", [agentLabel])).rows[0].count);

/** Sends a genuine status report after the refused calls and waits until it is stored: whatever was queued before it has been flushed too. */
async function flushedAfter(instance: string): Promise<void> {
  await expectAccepted("status", await call("status", genuine, `${instance}-after`));
  await eventually(async () => expect(await storedAgents(`${instance}-after`)).toBe(1), { timeoutMs: 5_000 });
}

async function expectNothingStored(instance: string): Promise<void> {
  await flushedAfter(instance);
  expect(await storedAgents(instance)).toBe(0);
  expect(await storedDecisions(instance)).toBe(0);
}

beforeAll(async () => {
  admin = await createTestUser(["admin"]);
  const author = await createTestUser(["author"]);
  const reviewer = await createTestUser(["reviewer"]);
  const scenario = await approvedScenario({ admin, author, reviewer });
  await publishChangeRequest({ actor: admin, number: scenario.cr.number, input: { overrideReason: TEST_OVERRIDE } });
  bundleName = scenario.bundle.name;
  otherBundle = (await createTestBundle(admin)).name;
  agent = await createTestAgentCredential(admin, {
    kind: "oauth2",
    bundles: [bundleName],
    mayReportStatus: true,
    mayUploadLogs: true,
  });
  outsider = await createTestAgentCredential(admin, {
    kind: "oauth2",
    bundles: [otherBundle],
    mayReportStatus: false,
    mayUploadLogs: false,
  });
  // The app learns of new credentials (and the published revision) through NOTIFY.
  genuine = await eventually(() => issueToken(agent), { timeoutMs: 10_000 });
  await eventually(
    async () =>
      expect(
        (await fetch(`${appUrl()}/api/opa/bundles/${bundleName}`, { headers: { authorization: `Bearer ${genuine}` } }))
          .status,
      ).toBe(200),
    { timeoutMs: 10_000 },
  );
  // The app's own signing key, read the way the app reads it (sealed in the database, opened with the master key).
  const signing = await agentTokenSigningKey();
  expect(signing.kid).toBe(decodeProtectedHeader(genuine).kid);
  realKey = { kid: signing.kid, key: signing.key as CryptoKey };
  publicJwk = (await db.agentTokenKey.findUniqueOrThrow({ where: { kid: signing.kid } })).publicJwk as JWK;
});

describe("agent access tokens over HTTP", () => {
  it("control: the genuine token and one forged with the real key and correct claims are accepted", async () => {
    for (const endpoint of ENDPOINTS) {
      await expectAccepted(endpoint, await call(endpoint, genuine, `${marker}-control-genuine`));
      await expectAccepted(endpoint, await call(endpoint, await signedByApp({}), `${marker}-control-forged`));
    }
    for (const instance of [`${marker}-control-genuine`, `${marker}-control-forged`]) {
      await eventually(async () => expect(await storedAgents(instance)).toBe(1), { timeoutMs: 5_000 });
      expect(await storedDecisions(instance)).toBe(1);
    }
  });

  const attacks: Array<[string, () => Promise<string>]> = [
    [
      "alg none, no signature",
      async () => `${b64({ alg: "none", kid: realKey.kid, typ: AGENT_TOKEN_TYPE })}.${b64(claims())}.`,
    ],
    [
      "alg none, the genuine signature kept",
      async () =>
        `${b64({ alg: "none", kid: realKey.kid, typ: AGENT_TOKEN_TYPE })}.${genuine.split(".")[1]}.${genuine.split(".")[2]}`,
    ],
    [
      "HS256 keyed with the token key's public PEM",
      async () => hs256(await exportSPKI((await importJWK(publicJwk, "ES256", { extractable: true })) as CryptoKey)),
    ],
    ["HS256 keyed with the token key's public JWK", async () => hs256(JSON.stringify(publicJwk))],
    ["HS256 keyed with the bundle signing public PEM", async () => hs256((await listedPublicKeys())[0]!.publicKeyPem)],
    [
      "signed by another key under the real kid",
      async () =>
        new SignJWT(claims())
          .setProtectedHeader({ alg: "ES256", kid: realKey.kid, typ: AGENT_TOKEN_TYPE })
          .sign((await generateKeyPair("ES256")).privateKey),
    ],
    [
      "an attacker key embedded in the header (jwk)",
      async () => {
        const attacker = await generateKeyPair("ES256", { extractable: true });
        return new SignJWT(claims())
          .setProtectedHeader({ alg: "ES256", typ: AGENT_TOKEN_TYPE, jwk: await exportJWK(attacker.publicKey) })
          .sign(attacker.privateKey);
      },
    ],
    ["wrong aud", () => signedByApp({ aud: "verdict:api" })],
    ["wrong iss", () => signedByApp({ iss: "https://evil.example" })],
    [
      "expired exp",
      async () => {
        const now = Math.floor(Date.now() / 1000);
        return signedByApp({ iat: now - 400, nbf: now - 400, exp: now - 60 });
      },
    ],
    [
      "nbf in the future",
      async () => {
        const now = Math.floor(Date.now() / 1000);
        return signedByApp({ nbf: now + 600, exp: now + 900 });
      },
    ],
    [
      "tampered payload: sub of another credential",
      async () =>
        tampered(genuine, (p) => {
          p.sub = outsider.credential.id;
        }),
    ],
    [
      "tampered payload: exp extended",
      async () =>
        tampered(genuine, (p) => {
          p.exp = (p.exp as number) + 3600;
        }),
    ],
  ];

  it.each(attacks)("refuses %s on every endpoint, and serves or stores nothing", async (name, forge) => {
    const token = await forge();
    const instance = `${marker}-${name.replace(/[^a-z0-9]+/gi, "-")}`;
    for (const endpoint of ENDPOINTS) {
      const res = await call(endpoint, token, instance);
      await expectRefused(res, 401);
    }
    await expectNothingStored(instance);
  });

  it("refuses a token whose credential was revoked, once the revoke lands", async () => {
    const revocable = await createTestAgentCredential(admin, {
      kind: "oauth2",
      bundles: [bundleName],
      mayReportStatus: true,
      mayUploadLogs: true,
    });
    const token = await eventually(() => issueToken(revocable), { timeoutMs: 10_000 });
    for (const endpoint of ENDPOINTS)
      await expectAccepted(endpoint, await call(endpoint, token, `${marker}-revocable-before`));
    const { token: adminToken } = await tokenFor(["admin"]);
    expect(
      (await callApi(`/api/v1/agent-credentials/${revocable.credential.id}`, { token: adminToken, method: "DELETE" }))
        .status,
    ).toBe(200);
    await eventually(async () => expectRefused(await call("bundle", token, `${marker}-revoked`), 401), {
      timeoutMs: 5_000,
    });
    for (const endpoint of ENDPOINTS) await expectRefused(await call(endpoint, token, `${marker}-revoked`), 401);
    await expectNothingStored(`${marker}-revoked`);
  });

  it("refuses a valid token for a credential scoped elsewhere with 403", async () => {
    const token = await issueToken(outsider);
    const instance = `${marker}-out-of-scope`;
    for (const endpoint of ENDPOINTS) await expectRefused(await call(endpoint, token, instance), 403);
    // Its own bundle is reachable (no revision published yet: 404), so the 403 above is about scope.
    expect(
      (await fetch(`${appUrl()}/api/opa/bundles/${otherBundle}`, { headers: { authorization: `Bearer ${token}` } }))
        .status,
    ).toBe(404);
    await expectNothingStored(instance);
  });
});
