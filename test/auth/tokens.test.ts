import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { TokenError, TokenService } from "../../src/auth/jwt.js";
import { hashPassword, passwordProblem, verifyPassword } from "../../src/auth/passwords.js";

const secretKey = "k".repeat(40);
const claims = { uid: 7, username: "ada", nickname: "Ada", groupName: "ops" };

describe("passwords", () => {
  it("hashes with scrypt and verifies only the right password", async () => {
    const hash = await hashPassword("correct horse battery");
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(hash).not.toContain("correct");
    expect(await verifyPassword("correct horse battery", hash)).toBe(true);
    expect(await verifyPassword("wrong horse battery", hash)).toBe(false);
    expect(await verifyPassword("x", "not-a-hash")).toBe(false);
    expect(await hashPassword("correct horse battery")).not.toBe(hash); // salted
  });

  it("explains weak passwords (every rule: passwords.test.ts)", () => {
    expect(passwordProblem("short")).toBe("password must be at least 8 characters");
    expect(passwordProblem("1234567890")).toMatch(/too common/);
    expect(passwordProblem("grace-is-my-password", "grace")).toMatch(/username/);
    expect(passwordProblem("pw-long-enough", "u")).toBeNull(); // very short names are not checked
    expect(passwordProblem("pw-long-enough")).toBeNull();
  });
});

describe("JWT", () => {
  it("issues HS256 tokens with uid, username, nickname, groupName, exp and origIat", async () => {
    let now = 1_800_000_000;
    const tokens = new TokenService({ secretKey, now: () => now });
    const { token, payload } = await tokens.issue(claims);
    expect(JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString())).toMatchObject({ alg: "HS256" });
    expect(payload).toEqual({ ...claims, origIat: now, exp: now + 300 });
    expect(await tokens.verify(token)).toEqual(payload);
    now += 301;
    await expect(tokens.verify(token)).rejects.toMatchObject({ reason: "token_expired" });
  });

  it("rejects forged, tampered and other-key tokens", async () => {
    const tokens = new TokenService({ secretKey });
    const { token } = await tokens.issue(claims);
    const [h, p, s] = token.split(".");
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims, uid: 1, exp: 9_999_999_999, origIat: 1 })).toString("base64url");
    await expect(tokens.verify(`${h}.${forgedPayload}.${s}`)).rejects.toBeInstanceOf(TokenError);
    const other = await new SignJWT({ ...claims, origIat: 1 }).setProtectedHeader({ alg: "HS256" }).setExpirationTime("5m").sign(new TextEncoder().encode("z".repeat(40)));
    await expect(tokens.verify(other)).rejects.toMatchObject({ reason: "invalid_token" });
    const none = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${p}.`;
    await expect(tokens.verify(none)).rejects.toMatchObject({ reason: "invalid_token" });
    await expect(tokens.verify("garbage")).rejects.toMatchObject({ reason: "invalid_token" });
  });

  it("refreshes an expired token within 7 days of origIat, keeping origIat", async () => {
    let now = 1_800_000_000;
    const tokens = new TokenService({ secretKey, now: () => now });
    const first = await tokens.issue(claims);
    now += 3600;
    const second = await tokens.refresh(first.token);
    expect(second.payload.origIat).toBe(first.payload.origIat);
    expect(second.payload.exp).toBe(now + 300);
    now = first.payload.origIat + 7 * 24 * 3600 + 1;
    await expect(tokens.refresh(second.token)).rejects.toMatchObject({ reason: "refresh_expired" });
  });
});
