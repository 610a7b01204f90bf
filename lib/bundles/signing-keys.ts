import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
} from "node:crypto";
import { db, type Tx } from "@/lib/core/db";
import { AppError, notFound } from "@/lib/core/errors";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { requirePermission, type Actor, type AuditActor } from "@/lib/auth/actor";
import { openText, seal } from "@/lib/core/secret-box";
import type { BundleSigner, SigningAlgorithm } from "@/lib/bundles/build-bundle";
import type { SigningKeyState } from "@/lib/generated/prisma/enums";
import type { TCreateSigningKeyRequest } from "@/lib/bundles/schemas";
import { ADVISORY_LOCKS } from "@/lib/core/advisory-locks";

// Serialises key state changes so that exactly one key is active at any time.
const SIGNING_KEY_LOCK = ADVISORY_LOCKS.signingKeys;

export type SigningKeyView = {
  id: string;
  kid: string;
  algorithm: SigningAlgorithm;
  state: SigningKeyState;
  imported: boolean;
  fingerprint: string;
  publicKeyPem: string;
  createdAt: string;
  activatedAt: string | null;
  retiredAt: string | null;
  createdBy: { email: string; name: string };
};

const VIEW_SELECT = {
  id: true,
  kid: true,
  algorithm: true,
  state: true,
  imported: true,
  fingerprint: true,
  publicKeyPem: true,
  createdAt: true,
  activatedAt: true,
  retiredAt: true,
  createdBy: { select: { email: true, name: true } },
} as const;

/** A row as VIEW_SELECT reads it: the view with its times still dates. */
type ViewRow = Omit<SigningKeyView, "createdAt" | "activatedAt" | "retiredAt"> & {
  createdAt: Date;
  activatedAt: Date | null;
  retiredAt: Date | null;
};

function toView(k: ViewRow): SigningKeyView {
  return {
    ...k,
    createdAt: k.createdAt.toISOString(),
    activatedAt: k.activatedAt?.toISOString() ?? null,
    retiredAt: k.retiredAt?.toISOString() ?? null,
  };
}

const sealContext = (kid: string) => `signing-key:${kid}`;

/**
 * The first lock of every transaction that writes a bundle revision (publish, rollback, expiry
 * republish). They all need the signing key, and they also lock bundles, allowlists, change
 * requests and the audit chain; taking this one before any of those is what keeps two of them
 * from each holding a lock the other waits for (PostgreSQL would abort one as a deadlock).
 */
export async function lockRevisionWriters(tx: Tx): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${SIGNING_KEY_LOCK})`;
}

/** A transaction that holds the signing-key lock (the revision writers' lock) from its start. */
function withKeysLocked<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.$transaction(async (tx) => {
    await lockRevisionWriters(tx);
    return fn(tx);
  });
}

export async function createSigningKey(options: {
  actor: Actor;
  input: TCreateSigningKeyRequest;
  requestId?: string;
}): Promise<SigningKeyView> {
  const { actor, input } = options;
  requirePermission(actor, "key:manage");
  const material =
    input.source === "generate" ? generateMaterial(input.algorithm) : importMaterial(input.privateKeyPem);
  const id = await withKeysLocked(async (tx) => {
    const created = await insertKey(tx, actor, material, input.source === "import", options.requestId);
    if (input.activate) await activate(tx, actor, created.id, "activated on creation", options.requestId);
    return created.id;
  });
  return toView(await db.signingKey.findUniqueOrThrow({ where: { id }, select: VIEW_SELECT }));
}

/** Who moves which key to another state, and why (recorded in the audit trail). */
type KeyStateChange = { actor: Actor; id: string; reason: string; requestId?: string };

/** The active key signs every revision from now on; the previous one stays listed (standby). */
export async function activateSigningKey(options: KeyStateChange): Promise<SigningKeyView> {
  requirePermission(options.actor, "key:manage");
  await withKeysLocked(async (tx) => {
    await activate(tx, options.actor, options.id, options.reason, options.requestId);
  });
  return toView(await db.signingKey.findUniqueOrThrow({ where: { id: options.id }, select: VIEW_SELECT }));
}

/** A retired key is no longer offered to agents; agents that still list it keep it harmlessly. */
export async function retireSigningKey(options: KeyStateChange): Promise<SigningKeyView> {
  requirePermission(options.actor, "key:manage");
  await withKeysLocked(async (tx) => {
    const key = await tx.signingKey.findUnique({ where: { id: options.id } });
    if (!key) throw notFound("Signing key");
    if (key.state === "active")
      throw new AppError(
        "conflict",
        "The active key signs new revisions: activate another key before retiring this one",
      );
    if (key.state === "retired") return;
    await tx.signingKey.update({ where: { id: key.id }, data: { state: "retired", retiredAt: new Date() } });
    await recordAuditEvent(tx, {
      actor: options.actor,
      action: "signing_key.retire",
      target: { type: "signing_key", id: key.id },
      before: { kid: key.kid, state: key.state },
      after: { kid: key.kid, state: "retired", reason: options.reason },
      requestId: options.requestId,
    });
  });
  return toView(await db.signingKey.findUniqueOrThrow({ where: { id: options.id }, select: VIEW_SELECT }));
}

export async function listSigningKeys(options: { actor: Actor }): Promise<SigningKeyView[]> {
  requirePermission(options.actor, "bundle:read");
  const keys = await db.signingKey.findMany({ orderBy: [{ createdAt: "desc" }], select: VIEW_SELECT });
  return keys.map(toView);
}

export async function getSigningKeyOrThrow(options: { actor: Actor; id: string }): Promise<SigningKeyView> {
  requirePermission(options.actor, "bundle:read");
  const key = await db.signingKey.findUnique({ where: { id: options.id }, select: VIEW_SELECT });
  if (!key) throw notFound("Signing key");
  return toView(key);
}

/** Public keys agents should trust: every key that is not retired (active first). */
export async function listedPublicKeys(): Promise<
  Array<{ kid: string; algorithm: SigningAlgorithm; publicKeyPem: string }>
> {
  const keys = await db.signingKey.findMany({
    where: { state: { not: "retired" } },
    orderBy: [{ state: "asc" }, { createdAt: "desc" }],
    select: { kid: true, algorithm: true, publicKeyPem: true },
  });
  return keys;
}

/**
 * The signer for a publish, inside its transaction. On a fresh installation the first publish
 * generates an ES256 key (recorded in the audit trail) rather than failing.
 */
export async function activeSigner(
  tx: Tx,
  publisher: AuditActor,
): Promise<BundleSigner & { id: string; publicKeyPem: string }> {
  await lockRevisionWriters(tx);
  let key = await tx.signingKey.findFirst({ where: { state: "active" } });
  if (!key) {
    if ((await tx.signingKey.count()) > 0 || publisher.type !== "user")
      throw new AppError("conflict", "No signing key is active: activate one under Signing keys before publishing");
    const created = await insertKey(tx, publisher, generateMaterial("ES256"), false);
    await activate(tx, publisher, created.id, "generated for the first publish on this installation");
    key = await tx.signingKey.findUniqueOrThrow({ where: { id: created.id } });
  }
  const privateKey = createPrivateKey(openText(key.privateKeySealed, sealContext(key.kid)));
  return { id: key.id, kid: key.kid, algorithm: key.algorithm, privateKey, publicKeyPem: key.publicKeyPem };
}

/**
 * Agent configs must list a key to verify against, so making the first agent credential on an
 * installation also makes the first signing key (ES256, audited as the admin's action).
 */
export async function ensureFirstSigningKey(actor: Actor, requestId?: string): Promise<void> {
  if ((await db.signingKey.count()) > 0) return;
  await withKeysLocked(async (tx) => {
    if ((await tx.signingKey.count()) > 0) return;
    const created = await insertKey(tx, actor, generateMaterial("ES256"), false, requestId);
    await activate(
      tx,
      actor,
      created.id,
      "generated for the first agent configuration on this installation",
      requestId,
    );
  });
}

type KeyMaterial = { algorithm: SigningAlgorithm; privatePem: string; publicPem: string; fingerprint: string };

function generateMaterial(algorithm: SigningAlgorithm): KeyMaterial {
  const { privateKey } =
    algorithm === "ES256"
      ? generateKeyPairSync("ec", { namedCurve: "P-256" })
      : generateKeyPairSync("rsa", { modulusLength: 3072 });
  return materialFrom(privateKey, algorithm);
}

function importMaterial(pem: string): KeyMaterial {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: "pem" });
  } catch (cause) {
    throw new AppError("unprocessable", "Not an unencrypted PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC)", {
      cause,
      fieldErrors: [{ path: "body.privateKeyPem", message: "unreadable private key" }],
    });
  }
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === "rsa" && (details.modulusLength ?? 0) >= 2048) return materialFrom(key, "RS256");
  if (key.asymmetricKeyType === "ec" && details.namedCurve === "prime256v1") return materialFrom(key, "ES256");
  throw new AppError(
    "unprocessable",
    "Only RSA keys of 2048 bits or more (RS256) and P-256 EC keys (ES256) can sign bundles",
    { fieldErrors: [{ path: "body.privateKeyPem", message: "unsupported key type" }] },
  );
}

function materialFrom(privateKey: KeyObject, algorithm: SigningAlgorithm): KeyMaterial {
  const publicKey = createPublicKey(privateKey);
  const der = publicKey.export({ type: "spki", format: "der" });
  return {
    algorithm,
    privatePem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    fingerprint: createHash("sha256").update(der).digest("hex"),
  };
}

async function insertKey(tx: Tx, actor: Actor, material: KeyMaterial, imported: boolean, requestId?: string) {
  if (await tx.signingKey.findUnique({ where: { fingerprint: material.fingerprint }, select: { id: true } })) {
    throw new AppError("conflict", "This key is already registered");
  }
  const kid = `${material.algorithm.toLowerCase()}-${new Date().toISOString().slice(0, 10).replaceAll("-", "")}-${randomBytes(3).toString("hex")}`;
  const created = await tx.signingKey.create({
    data: {
      kid,
      algorithm: material.algorithm,
      publicKeyPem: material.publicPem,
      fingerprint: material.fingerprint,
      imported,
      privateKeySealed: seal(material.privatePem, sealContext(kid)),
      createdById: actor.userId,
    },
  });
  await recordAuditEvent(tx, {
    actor,
    action: imported ? "signing_key.import" : "signing_key.generate",
    target: { type: "signing_key", id: created.id },
    after: { kid, algorithm: material.algorithm, fingerprint: material.fingerprint },
    requestId,
  });
  return created;
}

async function activate(tx: Tx, actor: Actor, id: string, reason: string, requestId?: string): Promise<void> {
  const key = await tx.signingKey.findUnique({ where: { id } });
  if (!key) throw notFound("Signing key");
  if (key.state === "retired")
    throw new AppError("conflict", "A retired key cannot sign again; generate or import a new one");
  if (key.state === "active") return;
  const previous = await tx.signingKey.findFirst({ where: { state: "active" } });
  if (previous) await tx.signingKey.update({ where: { id: previous.id }, data: { state: "standby" } });
  await tx.signingKey.update({ where: { id }, data: { state: "active", activatedAt: new Date() } });
  await recordAuditEvent(tx, {
    actor,
    action: "signing_key.activate",
    target: { type: "signing_key", id },
    before: { activeKid: previous?.kid ?? null },
    after: { activeKid: key.kid, reason },
    requestId,
  });
}
