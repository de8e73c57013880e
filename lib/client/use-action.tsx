"use client";

import { useState } from "react";

/**
 * A call behind a button (a better-auth client call, which returns `{ error }`, or an `api` call,
 * which throws): `pending` while it runs, then `status`, the server's own message (as an alert) or
 * `success` (as a status). `run` resolves to whether it worked.
 */
export function useAction() {
  const [pending, setPending] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const run = async (action: () => Promise<{ error: { message?: string } | null } | unknown>, success: string) => {
    setPending(true);
    setMessage(null);
    const error = await action().then(
      (result) => (result as { error?: { message?: string } | null } | undefined)?.error ?? null,
      (thrown: unknown) => ({ message: thrown instanceof Error ? thrown.message : undefined }),
    );
    setPending(false);
    setMessage(error ? { ok: false, text: error.message ?? "That did not work." } : { ok: true, text: success });
    return !error;
  };
  const status = <ActionMessage message={message} />;
  return { pending, run, status };
}

/** The outcome of an action: the server's message as an alert, or what it did as a status. */
export function ActionMessage({ message }: { message: { ok: boolean; text: string } | null }) {
  if (!message) return null;
  return (
    <p
      role={message.ok ? "status" : "alert"}
      className={message.ok ? "text-sm text-green-700 dark:text-green-400" : "text-sm text-red-700 dark:text-red-400"}
    >
      {message.text}
    </p>
  );
}
