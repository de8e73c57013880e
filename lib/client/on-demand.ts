"use client";

import { useEffect, useState } from "react";

/**
 * Code the first load leaves out (a module fetched with `import()`), fetched on demand and then
 * rendered directly, never through Suspense. A lazy component suspends on its first render even
 * when its code is already here; without a Suspense boundary that holds back the whole page's next
 * render (a click elsewhere shows nothing until the code comes), and inside one React holds back the
 * render that reveals it for up to 300 ms after its fallback showed, which every open of a thread
 * paid (bench/README.md, "Suspense on an open").
 */
export function onDemand<T>(importModule: () => Promise<T>) {
  let loaded: T | null = null;
  let loading: Promise<T> | null = null;
  const load = (): Promise<T> =>
    (loading ??= importModule().then(
      (value) => (loaded = value),
      (error: unknown) => {
        loading = null;
        throw error;
      },
    ));
  /** The module once it is here (null until then), fetched from the first render that `wants` it; "failed" if it could not be. */
  function useModule(wanted = true): T | null | "failed" {
    const [state, setState] = useState<"here" | "waiting" | "failed">(loaded ? "here" : "waiting");
    useEffect(() => {
      if (!wanted || state !== "waiting") return;
      let current = true;
      load().then(
        () => current && setState("here"),
        () => current && setState("failed"),
      );
      return () => {
        current = false;
      };
    }, [wanted, state]);
    return state === "failed" ? "failed" : state === "here" ? loaded : null;
  }
  return { load, useModule };
}
