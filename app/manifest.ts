import type { MetadataRoute } from "next";
import { themeColors } from "@/lib/client/theme";

/** /manifest.webmanifest: what a phone or desktop browser needs to install the app. No offline mode: it needs its server. */
export default function manifest(): MetadataRoute.Manifest {
  return {
    name: "Threadkeeper",
    short_name: "Threadkeeper",
    start_url: "/",
    display: "standalone",
    background_color: themeColors.light,
    theme_color: themeColors.light,
    icons: [
      { src: "/icon.svg", sizes: "any", type: "image/svg+xml" },
      { src: "/icon-192.png", sizes: "192x192", type: "image/png" },
      { src: "/icon-512.png", sizes: "512x512", type: "image/png" },
      { src: "/icon-maskable-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
    ],
  };
}
