import type { Metadata } from "next";
import type { ReactNode } from "react";

/**
 * A shared conversation and its 404 page alike: never indexed, and a link followed from it says
 * nothing about where it came from (the response headers say so too: next.config.ts). The title
 * is the same whatever the link: it must not tell an unknown link from a real one.
 */
export const metadata: Metadata = {
  title: "Shared conversation · Threadkeeper",
  robots: { index: false, follow: false },
  referrer: "no-referrer",
};

export default function SharedConversationLayout({ children }: { children: ReactNode }) {
  return children;
}
