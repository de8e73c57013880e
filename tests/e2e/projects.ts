import { expect, type APIRequestContext, type Page } from "@playwright/test";
import { fakeModel } from "./helpers";

/**
 * Projects for the browser specs, through the API a signed-in page's own cookies reach
 * (`page.request`): for setting up what a test is not about, and for checking what it is.
 */

type ProjectFile = { id: string; name: string; status: string; error: string | null; passages: number };

/** The signed-in person's user id (their session's). */
export async function userIdOf(page: Page): Promise<string> {
  const { user } = (await (await page.request.get("/api/auth/get-session")).json()) as { user: { id: string } };
  return user.id;
}

/** POST /api/projects in the session's active space. */
export async function createProject(request: APIRequestContext, name: string, instructions = "") {
  const response = await request.post("/api/projects", { data: { name, instructions } });
  expect(response.status()).toBe(201);
  return (await response.json()) as { id: string; name: string; workspaceId: string | null };
}

/** One text file added to a project, then waited for until the background indexer has indexed it. */
export async function addIndexedFile(request: APIRequestContext, projectId: string, name: string, text: string) {
  const response = await request.post(`/api/projects/${projectId}/files`, {
    multipart: { file: { name, mimeType: "text/plain", buffer: Buffer.from(text) } },
  });
  expect(response.status()).toBe(201);
  const uploaded = (await response.json()) as ProjectFile;
  const read = async () =>
    (await (await request.get(`/api/projects/${projectId}/files/${uploaded.id}`)).json()) as ProjectFile;
  await expect.poll(async () => (await read()).status).toBe("indexed");
  return read();
}

/** The 404 every route of a project answers someone who may not see it. */
export const projectNotFound = {
  error: { code: "not_found", message: "Project not found.", requestId: expect.any(String) },
};

/**
 * The system text the fake model was given with the (unique) user message `userText`, once that
 * request has reached it: everything the model was told (instructions, passages), whole.
 */
export async function systemTextFor(userText: string): Promise<string | null> {
  let found: { system: string | null } | undefined;
  await expect
    .poll(async () => {
      const seen = (await (await fetch(fakeModel("/__system"))).json()) as {
        userText: string;
        system: string | null;
      }[];
      found = seen.findLast((s) => s.userText === userText);
      return found !== undefined;
    })
    .toBe(true);
  return found!.system;
}
