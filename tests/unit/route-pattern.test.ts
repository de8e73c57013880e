import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { routePatternOf } from "@/lib/observability/route-pattern";

describe("route patterns for logs and metrics", () => {
  it("name every API route file, with ids as :id", () => {
    const apiDir = path.join(process.cwd(), "app", "api");
    const files = (function walk(dir: string): string[] {
      return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(path.join(dir, e.name)) : e.name === "route.ts" ? [path.relative(apiDir, dir)] : [],
      );
    })(apiDir).filter((f) => !f.startsWith("auth") && !f.startsWith("[...path]"));
    for (const file of files) {
      const sample = `/api/${file.replaceAll(/\[\w+\]/g, "0b0e6a52-6f50-4a7c-9d35-3a0b3d4c1e77")}`;
      expect(routePatternOf(sample), file).toBe(`/api/${file.replaceAll(/\[(\w+)\]/g, ":$1")}`);
    }
  });

  it("keep tokens and random paths out of labels", () => {
    expect(routePatternOf("/api/auth/reset-password/Tk3n-s3cret-value")).toBe("/api/auth/reset-password/:token");
    // Paths the app does not answer (lib/auth/endpoints.ts) share one label, whatever better-auth has.
    expect(routePatternOf("/api/auth/admin/set-user-password")).toBe("/api/auth/*");
    expect(routePatternOf("/api/auth/callback/oidc")).toBe("/api/auth/callback/:id");
    expect(routePatternOf("/api/auth/sign-in/email")).toBe("/api/auth/sign-in/email");
    expect(routePatternOf("/api/auth/two-factor/verify-totp")).toBe("/api/auth/two-factor/verify-totp");
    expect(routePatternOf("/api/auth/x7f3a9q")).toBe("/api/auth/*");
    expect(routePatternOf("/api/auth/a/b/c")).toBe("/api/auth/*");
    expect(routePatternOf("/wp-login.php")).toBe("(unmatched)");
    expect(routePatternOf("/api/nope/123")).toBe("(unmatched)");
    expect(routePatternOf("/chat/0b0e6a52-6f50-4a7c-9d35-3a0b3d4c1e77")).toBe("/chat/:id");
    expect(routePatternOf("/w/acme/chat/0b0e6a52-6f50-4a7c-9d35-3a0b3d4c1e77")).toBe("/w/:slug/chat/:id");
    expect(routePatternOf("/w/acme")).toBe("/w/:slug");
    expect(routePatternOf("/invite/Abc123SecretInvitationId")).toBe("/invite/:id");
    expect(routePatternOf("/api/invitations/Abc123SecretInvitationId/accept")).toBe("/api/invitations/:id/accept");
    expect(routePatternOf("/api/workspaces/active")).toBe("/api/workspaces/active");
    const token = "Q2hhbmdlIHRoaXMgdG9rZW4gaWYgeW91IGNhbiByZWFk";
    expect(routePatternOf(`/s/${token}`)).toBe("/s/:token");
    expect(routePatternOf(`/s/${token}/files/0b0e6a52-6f50-4a7c-9d35-3a0b3d4c1e77`)).toBe("/s/:token/files/:id");
    expect(routePatternOf(`/s/${token}/continue`)).toBe("/s/:token/continue");
    expect(routePatternOf(`/s/${token}/elsewhere`)).toBe("(unmatched)");
    const id = "0b0e6a52-6f50-4a7c-9d35-3a0b3d4c1e77";
    expect(routePatternOf(`/projects/${id}`)).toBe("/projects/:id");
    expect(routePatternOf(`/projects/${id}/files/${id}`)).toBe("/projects/:id/files/:fileId");
    expect(routePatternOf(`/api/projects/${id}/files/${id}/passages/12`)).toBe(
      "/api/projects/:id/files/:fileId/passages/:seq",
    );
    expect(routePatternOf(`/projects/${id}/elsewhere`)).toBe("(unmatched)");
  });
});
