"use client";

import { createAuthClient } from "better-auth/react";

/**
 * better-auth's client without plugins, for the chat screen: the signed-in session, sign-out and
 * a new confirmation link.
 * The passkey, two-factor and admin plugins are in lib/client/account-auth-client.ts, which only
 * the sign-in and account pages use, so the chat's first load does not carry them.
 */
export const sessionClient = createAuthClient();
