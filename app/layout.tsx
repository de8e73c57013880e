import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import { applyThemeScript } from "@/lib/theme";
import "./globals.css";

export const metadata: Metadata = {
  title: "Threadkeeper",
  description: "Chat with any OpenAI-compatible model; your threads stay yours.",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

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
