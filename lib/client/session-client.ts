"use client";

import { createAuthClient } from "better-auth/react";

/**
 * The signed-in session and sign-out, for the chat screen: better-auth's client without the
 * passkey, two-factor and admin plugins (lib/client/auth-client.ts), which only the account and
 * sign-in pages use, so the chat's first load does not carry them.
 */
export const sessionClient = createAuthClient();
