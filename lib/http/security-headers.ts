// Headers every response carries (next.config.ts applies them to what Next.js serves, the agent
// plane to what it serves). Pages get their nonce-based Content-Security-Policy from proxy.ts;
// API responses carry no HTML, so they get the tightest policy there is.
export const SECURITY_HEADERS = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Referrer-Policy", value: "same-origin" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
];

export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";
