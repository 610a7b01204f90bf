// Prefixes tell a leaked secret's kind at a glance (and let secret scanners find it).
export const AGENT_TOKEN_PREFIX = "vda";
export const CLIENT_SECRET_PREFIX = "vdcs";
export const CLIENT_ID_PREFIX = "vdc";
