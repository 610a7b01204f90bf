// Where agent credentials meet bundles. Bundles and signing keys arrive with the bundles domain;
// until then a credential may name any well-formed bundle and configs list no keys.

/** Refuses bundle names that do not exist (422), so a typo does not silently scope a credential to nothing. */
export async function assertBundlesExist(_names: string[]): Promise<void> {}

/** Public keys agents must trust: every signing key that is not retired. */
export async function listedPublicKeys(): Promise<Array<{ kid: string; algorithm: string; publicKeyPem: string }>> {
  return [];
}

/** Bundle names an admin may scope a credential to. */
export async function bundleNamesForCredentials(): Promise<string[]> {
  return [];
}
