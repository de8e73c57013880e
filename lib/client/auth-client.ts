"use client";

import { passkeyClient } from "@better-auth/passkey/client";
import { adminClient, twoFactorClient } from "better-auth/client/plugins";
import { createAuthClient } from "better-auth/react";

// Same origin as the app, so no baseURL: it works behind any host name or proxy.
export const authClient = createAuthClient({ plugins: [adminClient(), twoFactorClient(), passkeyClient()] });
