import type { ShareAudience, ShareLinkJson } from "@/lib/shared/share-links";

// One fixed format on server and client alike (no locale or time zone drift between them).
export const when = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

/** How an audience reads in the "Who can open it" select. */
export const audienceLabel = (audience: ShareAudience, workspaceName: string | null) =>
  audience === "signed-in"
    ? "Anyone signed in here"
    : audience === "workspace"
      ? `Members of ${workspaceName ?? "the workspace"}`
      : "Anyone with the link";

/** The full address of a link: the API gives its path, this browser knows its own origin. */
export const linkAddress = (link: ShareLinkJson) => `${window.location.origin}${link.path}`;

/**
 * Copies text, also on a plain-http origin, where the Clipboard API is missing: the text of
 * `shown` (a read-only textbox showing it), or of a textbox made for the moment, is selected and
 * copied the old way.
 */
export async function copyText(text: string, shown?: HTMLInputElement | null): Promise<boolean> {
  try {
    if (navigator.clipboard) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Refused (no permission, not focused): try the old way.
  }
  const box = shown ?? Object.assign(document.createElement("input"), { value: text, readOnly: true });
  if (!shown) document.body.append(box);
  try {
    box.focus();
    box.select();
    return document.execCommand("copy");
  } finally {
    if (!shown) box.remove();
  }
}
