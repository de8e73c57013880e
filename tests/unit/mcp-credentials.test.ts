import { describe, expect, it } from "vitest";
import { decryptSecret, encryptSecret } from "@/lib/tools/credentials";

const current = { CREDENTIALS_SECRET: "the current secret" };
const row = "mcp_credential:alice:server-1";
const rotated = {
  CREDENTIALS_SECRET: "the next secret",
  CREDENTIALS_PREVIOUS_SECRETS: "an older one, the current secret",
};

describe("tool credential encryption", () => {
  it("round-trips, with a fresh nonce each time and the key named in the box", () => {
    const plain = JSON.stringify({ accessToken: "tok-ünïcode-🔑", refreshToken: "r" });
    const a = encryptSecret(plain, row, current);
    const b = encryptSecret(plain, row, current);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1\.[0-9a-f]{8}\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(a).not.toContain("tok");
    expect(decryptSecret(a, row, current)).toEqual({ plain, stale: false });
  });

  it("refuses an altered box", () => {
    const box = encryptSecret("secret token", row, current);
    const parts = box.split(".");
    const flip = (part: string) => {
      const bytes = Buffer.from(part, "base64url");
      bytes[0] ^= 1;
      return bytes.toString("base64url");
    };
    for (const index of [2, 3, 4]) {
      const altered = [...parts];
      altered[index] = flip(altered[index]);
      expect(() => decryptSecret(altered.join("."), row, current)).toThrow(/could not be decrypted/);
    }
    // A truncated tag is not accepted either.
    const truncated = [...parts];
    truncated[3] = Buffer.from(parts[3], "base64url").subarray(0, 4).toString("base64url");
    expect(() => decryptSecret(truncated.join("."), row, current)).toThrow();
    expect(() => decryptSecret("not a box", row, current)).toThrow(/Not an encrypted credential/);
  });

  it("opens a box sealed with a previous secret and says it is stale", () => {
    const old = encryptSecret("old token", row, current);
    expect(decryptSecret(old, row, rotated)).toEqual({ plain: "old token", stale: true });
    const resealed = encryptSecret("old token", row, rotated);
    expect(resealed.split(".")[1]).not.toBe(old.split(".")[1]);
    expect(decryptSecret(resealed, row, rotated)).toEqual({ plain: "old token", stale: false });
  });

  it("refuses a box sealed with a key it does not have", () => {
    const box = encryptSecret("token", row, { CREDENTIALS_SECRET: "somebody else's" });
    expect(() => decryptSecret(box, row, current)).toThrow(/no longer has/);
    // Relabelling the box with a known key id does not help: the header is authenticated.
    const relabelled = box.split(".");
    relabelled[1] = encryptSecret("x", row, current).split(".")[1];
    expect(() => decryptSecret(relabelled.join("."), row, current)).toThrow();
  });

  it("falls back to the auth secret when CREDENTIALS_SECRET is unset", () => {
    const box = encryptSecret("token", row, { BETTER_AUTH_SECRET: "auth secret" });
    expect(decryptSecret(box, row, { BETTER_AUTH_SECRET: "auth secret" }).plain).toBe("token");
    expect(decryptSecret(box, row, { CREDENTIALS_SECRET: "auth secret" }).plain).toBe("token");
  });

  it("binds a box to its row: moved to another person's or server's row, it does not open", () => {
    const alices = encryptSecret("alice's token", "mcp_credential:alice:server-1", current);
    expect(decryptSecret(alices, "mcp_credential:alice:server-1", current).plain).toBe("alice's token");
    for (const elsewhere of [
      "mcp_credential:bob:server-1",
      "mcp_credential:alice:server-2",
      "mcp_server:server-1:shared_token",
      "mcp_credential:alice:server-1 ",
    ])
      expect(() => decryptSecret(alices, elsewhere, current)).toThrow(/could not be decrypted/);
    // Not even under a former key.
    expect(() => decryptSecret(alices, "mcp_credential:bob:server-1", rotated)).toThrow(/could not be decrypted/);
    const shared = encryptSecret("shared", "mcp_server:server-1:shared_token", current);
    expect(() => decryptSecret(shared, "mcp_server:server-2:shared_token", current)).toThrow();
    expect(() => decryptSecret(shared, "mcp_server:server-1:oauth_client_secret", current)).toThrow();
    expect(() => encryptSecret("x", "", current)).toThrow();
  });
});
