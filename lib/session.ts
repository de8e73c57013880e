import { auth, type AuthSession } from "@/auth";
import { databaseReady } from "@/db";
import { ApiError } from "@/lib/api-error";

/** The session for these request headers, or null. Waits for the database to be usable first. */
export async function getSession(headers: Headers): Promise<AuthSession | null> {
  await databaseReady();
  return auth.api.getSession({ headers });
}

/** For API routes: the signed-in session, or a 401 before anything else happens. */
export async function requireSession(headers: Headers): Promise<AuthSession> {
  const session = await getSession(headers);
  if (!session) throw new ApiError("unauthorized", "Sign in to continue.");
  return session;
}
