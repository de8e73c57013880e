"use client";

import { createContext, useContext } from "react";
import { workspaceApi } from "@/lib/client/workspace-api";

/** How long an answer of another space waits before it is asked for again (a switch may be landing). */
const otherSpaceRetryMs = 300;

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Reads what the API answers for the session's active space, for a page of the space
 * `workspaceId` (null: personal). Another tab, or a page this tab went back to without the
 * server, may have moved the session to another space: an answer naming another space
 * (`spacesOf`) is never returned. It is asked for once more after a short wait, with this page's
 * space made active again; then the read fails.
 */
export async function readInSpace<T>(
  workspaceId: string | null,
  read: () => Promise<T>,
  spacesOf: (answer: T) => (string | null)[],
): Promise<T> {
  const ours = (answer: T) => spacesOf(answer).every((space) => space === workspaceId);
  const first = await read();
  if (ours(first)) return first;
  await wait(otherSpaceRetryMs);
  await workspaceApi.setActive(workspaceId);
  const again = await read();
  if (ours(again)) return again;
  throw new Error("Another space's threads came back: reload the page.");
}

/** The space of the page (a workspace id, null: personal), for what reads the API below ChatApp. */
export const SpaceContext = createContext<string | null>(null);

export const usePageSpace = () => useContext(SpaceContext);

/** The name of the page's workspace (null: the personal space), for what names it to the person. */
export const SpaceNameContext = createContext<string | null>(null);

export const usePageSpaceName = () => useContext(SpaceNameContext);
