import { expect, type Page } from "@playwright/test";

type FileToAttach = { name: string; mimeType: string; buffer: Buffer };

/**
 * The chat screen as the browser specs drive it: its parts found by the roles and names a person
 * (or a screen reader) finds them by, and messages sent the way a person sends them.
 */
export function chatPage(page: Page) {
  const messageBox = page.getByRole("textbox", { name: "Message" });
  const replies = page.locator('[data-role="assistant"]');
  return {
    messageBox,
    sendButton: page.getByRole("button", { name: "Send", exact: true }),
    stopButton: page.getByRole("button", { name: "Stop", exact: true }),
    threadList: page.getByRole("navigation", { name: "Threads" }),
    userMessages: page.locator('[data-role="user"]'),
    replies,
    lastReply: replies.last(),
    /** Types `text` into the message box and sends it with Enter. */
    async send(text: string) {
      await messageBox.fill(text);
      await messageBox.press("Enter");
    },
    /** Picks `files` through the Attach button's file chooser. */
    async attach(files: FileToAttach[]) {
      // Only once the page is live: a chooser opened before hydration hands its files to nobody.
      await expect(messageBox).toBeEnabled();
      const chooser = page.waitForEvent("filechooser");
      await page.getByRole("button", { name: "Attach" }).click();
      await (await chooser).setFiles(files);
    },
    /** The id of the thread the address names (/chat/:id). */
    threadId: () => new URL(page.url()).pathname.split("/").at(-1)!,
  };
}
