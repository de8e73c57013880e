import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import { applyThemeScript } from "@/lib/client/theme";
import "./globals.css";

export const metadata: Metadata = {
  title: "Threadkeeper",
  description: "Chat with any OpenAI-compatible model; your threads stay yours.",
};

// resizes-content: the on-screen keyboard shrinks the layout (h-dvh), so the composer stays in view.
export const viewport: Viewport = { width: "device-width", initialScale: 1, interactiveWidget: "resizes-content" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    // The theme script sets a class on <html> before React hydrates.
    <html lang="en" suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: applyThemeScript }} />
      </head>
      <body>{children}</body>
    </html>
  );
}
