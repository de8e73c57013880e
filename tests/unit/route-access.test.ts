import { expect, it } from "vitest";
import { declaredAccess, unreadable } from "../support/route-access";

// The reader the isolation matrix uses: what it accepts, and that it never lets a method through undeclared.

it("reads the auth given to route() for each method given to methods(), and nothing for the ones that answer 405", () => {
  const source = `
    import { methods, route } from "@/lib/http/route";
    type Params = { id: string };
    export const { GET, POST, PUT, PATCH, DELETE } = methods({
      /** A comment with { braces } and "quotes". */
      GET: route<Params>({ auth: "user" }, async ({ caller, params }) => Response.json({ id: params.id, re: /["'{]+/g.source, user: caller.user.id })),
      PATCH: route({ auth: "admin" }, async () => new Response(null, { status: 204 })),
      DELETE: route({ auth: "public" }, async () => new Response("}")),
    });
  `;
  expect(declaredAccess("things/[id]/route.ts", source)).toEqual([
    ["GET things/[id]/route.ts", "user"],
    ["PATCH things/[id]/route.ts", "admin"],
    ["DELETE things/[id]/route.ts", "public"],
  ]);
});

it("reads a method exported as route() on its own, and the chat route", () => {
  expect(
    declaredAccess("x/route.ts", `export const POST = route({ auth: "user" }, async () => new Response());`),
  ).toEqual([["POST x/route.ts", "user"]]);
  expect(
    declaredAccess(
      "chat/route.ts",
      `export const { GET, POST, PUT, PATCH, DELETE } = methods({ POST: route({ auth: "user" }, async ({ caller }) => new Response()) });`,
    ),
  ).toEqual([["POST chat/route.ts", "user"]]);
  // Written the way routes were before route(): no declaration it can read, so the matrix fails.
  const unwrapped = `
    export const POST = apiRoute(async (request: Request) => {
      const session = await requireSession(request.headers);
      return new Response(session.user.id);
    });
    const otherMethod = methodNotAllowed("POST");
    export { otherMethod as GET, otherMethod as PUT };
  `;
  expect(declaredAccess("chat/route.ts", unwrapped)).toEqual([
    ["POST chat/route.ts", unreadable],
    ["GET chat/route.ts", unreadable],
    ["PUT chat/route.ts", unreadable],
  ]);
});

it("reports every method whose access it cannot read", () => {
  const undeclared = (source: string) =>
    declaredAccess("x/route.ts", source).map(([method, access]) => `${method}: ${access}`);
  expect(undeclared(`export async function GET() { return new Response(); }`)).toEqual([
    `GET x/route.ts: ${unreadable}`,
  ]);
  expect(undeclared(`export const GET = async () => new Response();`)).toEqual([`GET x/route.ts: ${unreadable}`]);
  expect(
    undeclared(
      `const options = { auth: "user" } as const; export const { GET, POST } = methods({ GET: route(options, async () => new Response()) });`,
    ),
  ).toEqual([`GET x/route.ts: ${unreadable}`]);
  expect(
    undeclared(
      `const auth = "user"; export const { GET } = methods({ GET: route({ auth }, async () => new Response()) });`,
    ),
  ).toEqual([`GET x/route.ts: ${unreadable}`]);
  expect(
    undeclared(
      `const get = route({ auth: "user" }, async () => new Response()); export const { GET } = methods({ GET: get });`,
    ),
  ).toEqual([`GET x/route.ts: ${unreadable}`]);
  expect(
    undeclared(
      `const handlers = methods({ GET: route({ auth: "user" }, async () => new Response()) }); export const { GET, POST } = handlers;`,
    ),
  ).toEqual([`GET x/route.ts: ${unreadable}`, `POST x/route.ts: ${unreadable}`]);
  expect(undeclared(`const handler = async () => new Response(); export { handler as POST };`)).toEqual([
    `POST x/route.ts: ${unreadable}`,
  ]);
  expect(undeclared(`export { GET } from "../other/route";`)).toEqual([`GET x/route.ts: ${unreadable}`]);
  expect(undeclared(`export * from "../other/route";`)).toEqual([
    `export * from "../other/route"; x/route.ts: ${unreadable}`,
  ]);
  // Read as written: a value the matrix does not know fails its comparison.
  expect(
    undeclared(`export const { GET } = methods({ GET: route({ auth: "anyone" }, async () => new Response()) });`),
  ).toEqual(["GET x/route.ts: anyone"]);
});
