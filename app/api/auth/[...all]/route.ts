import { toNextJsHandler } from "better-auth/next-js";
import { auth } from "@/auth";
import { databaseReady } from "@/db";
import { toErrorResponse } from "@/lib/api-error";

const handlers = toNextJsHandler(auth);

async function ensureDatabase(): Promise<Response | undefined> {
  try {
    await databaseReady();
  } catch (error) {
    return toErrorResponse(error);
  }
}

export async function GET(request: Request) {
  return (await ensureDatabase()) ?? handlers.GET(request);
}

export async function POST(request: Request) {
  return (await ensureDatabase()) ?? handlers.POST(request);
}
