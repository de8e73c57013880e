import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import { applyThemeScript, themeColors } from "@/lib/client/theme";
import "./globals.css";

export const metadata: Metadata = {
  title: "Threadkeeper",
  description: "Chat with any OpenAI-compatible model; your threads stay yours.",
  // The files scripts/generate-icons.mjs makes; app/manifest.ts lists the installed app's.
  icons: { icon: { url: "/icon.svg", type: "image/svg+xml" }, apple: "/apple-icon.png" },
};

export const viewport: Viewport = {
  width: "device-width",
  initialScale: 1,
  // resizes-content: the on-screen keyboard shrinks the layout (h-dvh), so the composer stays in view.
  interactiveWidget: "resizes-content",
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: themeColors.light },
    { media: "(prefers-color-scheme: dark)", color: themeColors.dark },
  ],
};

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
