import type { Metadata } from "next";
import "./globals.css";

// Every page is rendered per request: it carries a per-request CSP nonce (proxy.ts) and reads the session.
export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: { default: "Verdict", template: "%s · Verdict" },
  description: "Policy control plane for Open Policy Agent",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
