/** Only same-site paths: `callbackURL` must never send a user to another origin. */
export function safeCallbackPath(value: string | null | undefined): string {
  if (!value || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return "/";
  return value;
}

/** The sign-in page that returns to `path` afterwards; slashes stay readable (/sign-in?callbackURL=/chat/…). */
export const signInPathFor = (path: string) =>
  path === "/" ? "/sign-in" : `/sign-in?callbackURL=${encodeURIComponent(path).replace(/%2F/gi, "/")}`;
