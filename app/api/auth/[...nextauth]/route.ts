// GET/POST /api/auth/* — next-auth sign-in, sign-out, session and CSRF endpoints
import NextAuth from "next-auth";
import { authOptions } from "@/lib/auth/next-auth-options";

type Ctx = { params: Promise<{ nextauth: string[] }> };

// Options are built on first request, not at import, so `next build` needs no secrets.
async function handler(req: Request, ctx: Ctx): Promise<Response> {
  return NextAuth(req as never, ctx as never, authOptions());
}

export { handler as GET, handler as POST };
