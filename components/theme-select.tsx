"use client";

import { useEffect, useState } from "react";
import { applyTheme, themes, themeStorageKey, type Theme } from "@/lib/client/theme";
import { useHydrated } from "@/lib/client/use-hydrated";

const labels: Record<Theme, string> = { system: "System", light: "Light", dark: "Dark" };

export function ThemeSelect() {
  const [theme, setTheme] = useState<Theme>("system");
  const hydrated = useHydrated();

  useEffect(() => {
    const stored = localStorage.getItem(themeStorageKey);
    // Reading the browser's storage after mount: the server cannot know it.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    if (themes.includes(stored as Theme)) setTheme(stored as Theme);
    // Follow the system while "system" is chosen.
    const media = matchMedia("(prefers-color-scheme: dark)");
    const apply = () => {
      const current = localStorage.getItem(themeStorageKey);
      if (current !== "light" && current !== "dark") applyTheme("system");
    };
    media.addEventListener("change", apply);
    return () => media.removeEventListener("change", apply);
  }, []);

  return (
    <label className="flex items-center gap-1 text-sm text-zinc-600 dark:text-zinc-400">
      <span className="sr-only">Theme</span>
      <select
        aria-label="Theme"
        value={theme}
        disabled={!hydrated}
        onChange={(event) => {
          const next = event.target.value as Theme;
          setTheme(next);
          localStorage.setItem(themeStorageKey, next);
          applyTheme(next);
        }}
        className="rounded-md border border-zinc-300 bg-white px-1 py-0.5 text-sm dark:border-zinc-700 dark:bg-zinc-900"
      >
        {themes.map((t) => (
          <option key={t} value={t}>
            {labels[t]}
          </option>
        ))}
      </select>
    </label>
  );
}
