export const themes = ["system", "light", "dark"] as const;
export type Theme = (typeof themes)[number];
export const themeStorageKey = "theme";
/** Each theme's page background (globals.css: white, zinc-950), for the browser's and the installed app's chrome. */
export const themeColors = { light: "#ffffff", dark: "#09090b" } as const;

const prefersDark = () => matchMedia("(prefers-color-scheme: dark)").matches;

/** Puts the chosen theme on <html> (Tailwind's `dark:` variant keys off the class). */
export function applyTheme(theme: Theme) {
  const dark = theme === "dark" || (theme === "system" && prefersDark());
  document.documentElement.classList.toggle("dark", dark);
  document.documentElement.style.colorScheme = dark ? "dark" : "light";
}

/**
 * The same, inlined into <head> so a dark theme never flashes white before React runs. It is a
 * string (the CSP allows inline scripts, not eval), so it repeats applyTheme's three lines.
 */
export const applyThemeScript = `try{var t=localStorage.getItem("${themeStorageKey}");var d=t==="dark"||(t!=="light"&&matchMedia("(prefers-color-scheme: dark)").matches);document.documentElement.classList.toggle("dark",d);document.documentElement.style.colorScheme=d?"dark":"light"}catch(e){}`;
