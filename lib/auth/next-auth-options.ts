import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { db } from "@/lib/core/db";
import { env } from "@/lib/core/env";
import { logger } from "@/lib/core/logger";
import { verifyPassword } from "@/lib/auth/passwords";
import { checkLoginAllowed, recordLoginResult } from "@/lib/auth/login-throttle";

const ZCredentials = z.object({
  email: z.string().trim().toLowerCase().email().max(254),
  password: z.string().min(1).max(1024),
});

export const SESSION_MAX_AGE_SECONDS = 8 * 60 * 60;

let cached: NextAuthOptions | undefined;

export function authOptions(): NextAuthOptions {
  if (cached) return cached;
  const e = env();
  const secure = e.SECURE_COOKIES ?? (e.NEXTAUTH_URL ?? e.VERDICT_PUBLIC_URL).startsWith("https://");
  cached = {
    secret: e.NEXTAUTH_SECRET,
    useSecureCookies: secure,
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
    pages: { signIn: "/login", error: "/login" },
    providers: [
      CredentialsProvider({
        id: "credentials",
        name: "Email and password",
        credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
        async authorize(raw, req) {
          const parsed = ZCredentials.safeParse(raw);
          if (!parsed.success) return null;
          const { email, password } = parsed.data;
          const ip = clientIp(req?.headers);
          if (!(await checkLoginAllowed(email, ip))) {
            logger.warn({ email, ip }, "login throttled");
            throw new Error("throttled");
          }
          const user = await db.user.findUnique({ where: { email } });
          const ok = await verifyPassword(password, user?.passwordHash);
          await recordLoginResult(email, ip, ok && !user?.disabledAt);
          if (!user || !ok || user.disabledAt) return null;
          await db.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
          return { id: user.id, email: user.email, name: user.name };
        },
      }),
      ...oidcProviders(),
    ],
    callbacks: {
      // OIDC sign-ins are accepted only for people an admin has already added (deny by default).
      async signIn({ user, account }) {
        if (account?.provider === "credentials") return true;
        const email = user.email?.toLowerCase();
        if (!email) return false;
        const known = await db.user.findUnique({ where: { email } });
        return Boolean(known && !known.disabledAt);
      },
      async jwt({ token, user, account }) {
        if (user && account) {
          const known = await db.user.findUnique({ where: { email: (user.email ?? "").toLowerCase() } });
          if (known) token.uid = known.id;
        }
        return token;
      },
      async session({ session, token }) {
        return { ...session, uid: typeof token.uid === "string" ? token.uid : undefined };
      },
    },
    logger: {
      error: (code, metadata) =>
        logger.error({ code, metadata: metadata instanceof Error ? metadata.message : undefined }, "next-auth error"),
      warn: (code) => logger.warn({ code }, "next-auth warning"),
      debug: () => {},
    },
  };
  return cached;
}

function oidcProviders(): NextAuthOptions["providers"] {
  const e = env();
  if (!e.OIDC_ISSUER || !e.OIDC_CLIENT_ID || !e.OIDC_CLIENT_SECRET) return [];
  return [
    {
      id: "oidc",
      name: e.OIDC_NAME,
      type: "oauth",
      wellKnown: `${e.OIDC_ISSUER.replace(/\/$/, "")}/.well-known/openid-configuration`,
      clientId: e.OIDC_CLIENT_ID,
      clientSecret: e.OIDC_CLIENT_SECRET,
      authorization: { params: { scope: "openid email profile" } },
      idToken: true,
      checks: ["pkce", "state"],
      profile: (p: { sub: string; email?: string; name?: string }) => ({
        id: p.sub,
        email: p.email ?? null,
        name: p.name ?? p.email ?? p.sub,
      }),
    },
  ];
}

function clientIp(headers: Record<string, unknown> | undefined): string {
  const forwarded = headers?.["x-forwarded-for"];
  const first = typeof forwarded === "string" ? forwarded.split(",")[0]?.trim() : undefined;
  return first || "unknown";
}
