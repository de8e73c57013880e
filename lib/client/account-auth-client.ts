"use client";

import { passkeyClient } from "@better-auth/passkey/client";
import { adminClient, twoFactorClient } from "better-auth/client/plugins";
import { createAuthClient } from "better-auth/react";

/**
 * better-auth's client with the passkey, two-factor and admin plugins, for components/account/:
 * sign-in, sign-up, password reset and /account. The chat screen uses lib/client/session-client.ts
 * instead, so its first load does not carry these plugins; the two are separate modules because
 * a module that made both clients would bring the plugins wherever either is imported.
 */
// Same origin as the app, so no baseURL: it works behind any host name or proxy.
export const accountAuthClient = createAuthClient({ plugins: [adminClient(), twoFactorClient(), passkeyClient()] });
